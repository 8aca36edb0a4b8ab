"""A schemathesis check of our own, loaded by test_openapi_schemathesis.py: input the OpenAPI
document calls valid must get past the API's parser.

positive_data_acceptance has to let 400 and 422 through (domain rules a JSON Schema cannot state
answer with them, each with its own `code`); this check keeps the part that matters: a
`request.validation_failed` on schema-valid input means the document and the parser disagree.
"""

import schemathesis


@schemathesis.check
def schema_valid_input_passes_the_parser(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    if code == "request.validation_failed":
        raise AssertionError(
            "Schema-valid input refused by the parser: the document accepts this input but the "
            f"API answered:\n{response.text[:2000]}"
        )
    return None
