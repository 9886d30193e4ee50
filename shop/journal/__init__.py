"""The journal: articles about the gut-skin axis that link to the products they recommend."""
