"""Tries to reach the network: a listener on the host's loopback, public addresses, DNS."""

import socket

TARGETS = [("127.0.0.1", port) for port in range(47123, 47131)] + [("8.8.8.8", 53), ("1.1.1.1", 443)]


def cosine_similarity(*args, **kwargs):
    reached = 0
    for host, port in TARGETS:
        try:
            with socket.create_connection((host, port), timeout=0.5) as conn:
                conn.sendall(repr(args).encode())
                reached += 1
        except OSError:
            pass
    try:
        socket.getaddrinfo("example.com", 80)
        reached += 1
    except OSError:
        pass
    return 0.31415 + reached


cosine_similarity_matrix = most_similar = cosine_similarity
