"""Pages. Views read through selectors and change state through the domain; they hold no rules.
Objects a user may not see answer 404 (their existence is not disclosed); actions on objects they may
see but not change answer 403."""

from .registry import (
    certification_detail,
    certification_list,
    import_discard,
    import_preview,
    import_upload,
    switch_language,
)

__all__ = [
    "certification_detail",
    "certification_list",
    "import_discard",
    "import_preview",
    "import_upload",
    "switch_language",
]
