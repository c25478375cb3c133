"""The OpenAPI 3.1 description of the console's API, served at ``/api/openapi.json``.

Written out here (aiohttp has no schema generator of its own); a test checks that it describes exactly
the routes the application serves, method by method, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_ERROR = {"description": "The input at fault", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _ok(description: str, schema: dict[str, Any] | None = None, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema or {"type": "object"}}}}


_CURRENCY = _query("currency", "ISO 4217 code of DE 49, the merchant's currency: alphabetic (USD) or numeric (840)")
_CROSS_BORDER = _query("cross_border", "true: cards issued in another country than the terminal's; false: domestic "
                                       "(a transaction whose side is not known matches neither)",
                       {"type": "string", "enum": ["true", "false"]})
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_RULE_KEYS = {
    "name": {"type": "string"},
    "mti": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "processing_code": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "terminal_id": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "network_code": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "amount_min": {"type": "integer", "minimum": 0}, "amount_max": {"type": "integer", "minimum": 0},
    "pan_suffix": {"type": "string", "pattern": "^[0-9]+$"}, "times": {"type": "integer", "minimum": 1},
    "respond": {"type": "string", "minLength": 2, "maxLength": 2},
    "delay": {"type": "number", "minimum": 0, "maximum": 3600},
    "drop": {"type": "boolean"}, "disconnect": {"type": "boolean"}, "corrupt_mac": {"type": "boolean"},
}


_DCC = {"type": "object", "required": ["currency", "amount", "rate", "markup_percent", "provider"],
        "description": "Dynamic currency conversion, as the terminal answers it: the cardholder's billing currency "
                       "(ISO 4217 numeric), the amount in its minor units, the rate (decimal), the markup over the "
                       "reference rate (percent) and the provider; the transaction's amount and currency stay the "
                       "merchant's",
        "properties": {"currency": {"type": "string"}, "amount": {"type": "integer"}, "rate": {"type": "string"},
                       "markup_percent": {"type": "string"}, "provider": {"type": "string"}}}
_CONVERSION = {"type": "object", "properties": {
    "amount": {"type": ["integer", "null"], "description": "Minor units of currency (the merchant's)"},
    "currency": {"type": ["string", "null"]},
    "cross_border": {"type": ["boolean", "null"], "description": "The card's issuer country is not the terminal's "
                                                                  "(null: not known)"},
    "dcc": {"$ref": "#/components/schemas/Dcc"}}}
_REFUNDS = {"type": "object", "properties": {
    "business_date": {"type": "string", "format": "date"}, "refunds": {"type": "array", "items": _CONVERSION},
    "currencies": {"type": "object", "description": "The alphabetic code and minor-unit exponent of each "
                                                    "currency the refunds are in, by numeric code"}}}


def openapi_document() -> dict[str, Any]:
    """The API description (a new dict each time)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "possim host API", "version": "1",
                 "description": "The acquirer host emulator's HTTP API (docs/host-api.md). Off by default: "
                                "possim host --http ADDR:PORT. PANs appear masked only."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Required when the host runs with --http-token-file"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "field"], "properties": {
                    "error": {"type": "string"}, "field": {"type": ["string", "null"]}}},
                "Dcc": _DCC,
                "Rule": {"type": "object", "additionalProperties": False, "properties": _RULE_KEYS,
                         "description": "The JSON form of a [[rule]] table (docs/host-rules.md): match keys and "
                                        "exactly one action of respond, delay, drop, disconnect, corrupt_mac."},
            },
        },
        "security": [{}, {"bearer": []}],
        "paths": {
            "/api/health": {"get": {"summary": "Listener URL, dialect, business date, uptime, journal OK",
                                    "responses": {"200": _ok("Health")}}},
            "/api/openapi.json": {"get": {"summary": "This description", "responses": {"200": _ok("OpenAPI")}}},
            "/api/transactions": {"get": {
                "summary": "Transactions, newest first, filtered and paged",
                "parameters": [
                    _query("terminal", "Terminal ID (DE 41)"),
                    _query("type", "sale, refund, advice, void_sale, void_refund, reversal"),
                    _query("status", "approved, declined, reversed, voided ..."),
                    _query("rrn", "Retrieval reference number (DE 37)"),
                    _query("from", "From this date (YYYY-MM-DD) or UTC time"),
                    _query("to", "Up to this date (the whole day) or UTC time"),
                    _query("limit", "At most this many (1..500, default 50)", {"type": "integer"}),
                    _query("cursor", "next_cursor of the previous page", {"type": "integer"}),
                    _CURRENCY, _CROSS_BORDER],
                "responses": {"200": _ok("A page: transactions and next_cursor", {
                    "type": "object", "properties": {"transactions": {"type": "array", "items": _CONVERSION},
                                                     "next_cursor": {"type": ["integer", "null"]}}}),
                              "422": _ERROR}}},
            "/api/transactions/{id}": {"get": {"summary": "One transaction with its messages as masked dumps",
                                               "parameters": [_ID],
                                               "responses": {"200": _ok("Transaction", _CONVERSION),
                                                             "404": _ERROR}}},
            "/api/messages": {"get": {
                "summary": "The journaled messages of one exchange as masked dumps (as possim decode shows them)",
                "parameters": [_query("terminal", "Terminal ID"), _query("stan", "DE 11"),
                               _query("mti", "The request's MTI")],
                "responses": {"200": _ok("Messages"), "422": _ERROR}}},
            "/api/refunds": {"get": {"summary": "Refunds with their original, amounts, credit channel, expected "
                                                "date and credit status, cross-border or not, DCC conversion",
                                     "parameters": [_query("terminal", "Terminal ID"), _CURRENCY, _CROSS_BORDER],
                                     "responses": {"200": _ok("Refunds", _REFUNDS), "422": _ERROR}}},
            "/api/terminals": {"get": {"summary": "Known terminals: key schemes, session state as the host's key "
                                                  "ring holds it (with the keys' check values), last sign-on, "
                                                  "counters",
                                       "responses": {"200": _ok("Terminals")}}},
            "/api/rules": {
                "get": {"summary": "The fault rules in matching order, with ids and counts",
                        "responses": {"200": _ok("Rules")}},
                "post": {"summary": "Add a rule (matched after the others); answers its id",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Rule"}}}},
                         "responses": {"201": _ok("The rule's id"), "400": _ERROR, "413": _ERROR, "415": _ERROR,
                                       "422": _ERROR}}},
            "/api/rules/{id}": {"delete": {"summary": "Remove a rule", "parameters": [_ID],
                                           "responses": {"200": _ok("Removed"), "404": _ERROR}}},
            "/api/business-date": {
                "get": {"summary": "The host's business date", "responses": {"200": _ok("Business date")}},
                "post": {"summary": "Move the business date ahead (forward only)",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "oneOf": [
                                 {"type": "object", "required": ["days"], "additionalProperties": False,
                                  "properties": {"days": {"type": "integer", "minimum": 1}}},
                                 {"type": "object", "required": ["date"], "additionalProperties": False,
                                  "properties": {"date": {"type": "string", "format": "date"}}}]}}}},
                         "responses": {"200": _ok("The new business date"), "422": _ERROR}}},
            "/api/report": {"get": {"summary": "possim host report as JSON (each batch with its refund_breakdown: by "
                                               "currency, domestic / cross-border, DCC billing currencies)",
                                    "parameters": [_query("terminal", "Terminal ID"),
                                                   _query("batch", "Batch number", {"type": "integer"})],
                                    "responses": {"200": _ok("Report"), "422": _ERROR}}},
            "/api/stream": {"get": {"summary": "Server-sent events: one 'exchange' event per request the host "
                                               "decided (time, terminal, MTI, processing code, amount, response "
                                               "code, latency, masked PAN), its SSE id RUN-SEQ; 'dropped' when a "
                                               "slow reader lost some. A Last-Event-ID header resumes after that "
                                               "event",
                                    "parameters": [
                                        _query("recent", "Start with the last N exchanges of this host run "
                                                         "(0..200, default 0)", {"type": "integer"}),
                                        {"name": "Last-Event-ID", "in": "header", "required": False,
                                         "description": "Resume after this event (its exchanges still kept)",
                                         "schema": {"type": "string"}}],
                                    "responses": {"200": _ok("Event stream", {"type": "string"},
                                                             "text/event-stream"), "422": _ERROR, "503": _ERROR}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)",
                                 "responses": {"200": _ok("Metrics", {"type": "string"}, "text/plain")}}},
        },
    }
