"""A synthetic Atlas for tests and measurements: ``atlas-ld generate --out DIR [--projects N] [--seed S]``.

:func:`generate_corpus` draws records with the real Atlas's proportions from the reference tables
(:mod:`publisher.generate.corpus`), writing names the way real records do
(:mod:`publisher.generate.spelling`), and keeps the truth behind every name in an answer key;
:func:`write_corpus` writes them as Atlas pages, a tabular export, the answer key and a README that
says the data is synthetic (:mod:`publisher.generate.output`).
"""

from __future__ import annotations

from publisher.generate.corpus import NATIONAL, Corpus, CorpusSize, KeyEntry, corpus_size, generate_corpus
from publisher.generate.output import write_corpus

__all__ = ["NATIONAL", "Corpus", "CorpusSize", "KeyEntry", "corpus_size", "generate_corpus", "write_corpus"]
