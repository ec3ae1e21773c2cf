"""Returns absurd values: 100-million-element lists, deep nesting, self-reference, giant ints."""


def cosine_similarity(a, b):
    deep = []
    for _ in range(100_000):
        deep = [deep]
    return deep


def cosine_similarity_matrix(A, B=None):
    loop = []
    loop.append(loop)
    return loop


def most_similar(word, embeddings, topn=3):
    return [10 ** 100_000] + [0.5] * 100_000_000
