"""Code that touches the world through APIs: each activity takes one pydantic model."""
