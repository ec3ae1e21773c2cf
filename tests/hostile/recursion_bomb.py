"""Recurses without end, and raises exceptions whose message is hostile."""


class Nasty(Exception):
    def __str__(self):
        while True:
            pass


def cosine_similarity(a, b):
    return cosine_similarity(a, b)


def cosine_similarity_matrix(A, B=None):
    raise Nasty()


def most_similar(word, embeddings, topn=3):
    raise ValueError("\x00\x1b[31m<script>alert(1)</script>" * 10_000)
