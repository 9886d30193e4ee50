"""The subscriptions area of the back office."""
