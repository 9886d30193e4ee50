"""Comments on journal articles: written by signed-in customers, moderated by staff."""
