"""Code that touches the world through a browser: Playwright page objects and their runner."""
