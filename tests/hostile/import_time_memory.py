"""Exhausts memory while being imported."""

HOG = [bytearray(1 << 30) for _ in range(16)]
