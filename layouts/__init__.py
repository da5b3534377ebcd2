"""Page layouts: pure functions from URL parameters to components. They never query."""
