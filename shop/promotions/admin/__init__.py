"""The promotions area of the back office: codes, their figures and a CSV of uses."""
