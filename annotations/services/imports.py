"""Imports: our JSONL corpus into an empty database, and Label Studio or doccano
span annotations as one reviewer's pre-annotations.

Both are all or nothing: any bad record refuses the whole file, with errors
naming the line (record) and the span index.

One module per import (`imports_corpus`, with `imports_gold` and `imports_extras`;
`imports_preannotations`), what they share in `imports_common`; this module is
their public face.
"""

from annotations.services.imports_common import ImportRefused
from annotations.services.imports_corpus import corpus_import
from annotations.services.imports_preannotations import (
    ARTICLE_MATCHES,
    SOURCE_FORMATS,
    label_resolver,
    preannotations_import,
)

__all__ = [
    "ARTICLE_MATCHES",
    "SOURCE_FORMATS",
    "ImportRefused",
    "corpus_import",
    "label_resolver",
    "preannotations_import",
]
