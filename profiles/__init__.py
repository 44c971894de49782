"""Shipped profiles (demo.yaml, example.yaml): data, installed as golive.profiles."""
