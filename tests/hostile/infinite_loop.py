"""Spins forever in every call."""


def cosine_similarity(*args, **kwargs):
    while True:
        pass


cosine_similarity_matrix = most_similar = cosine_similarity
