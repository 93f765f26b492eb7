"""The order id expression JOC generates for the AddOrder instruction (js7-reference §9.2), simplified.

`#<today>#D<NN>-<unique 5 digits>!-<name part of the adding order's id>`; a chain of added orders keeps only
the original name, and fork branch suffixes (`|branch`) are dropped.
"""

from __future__ import annotations

ADDED_ORDER_ID_EXPRESSION = (
    "uniqueOrderId('#' ++ now(format='yyyy-MM-dd', timezone='Etc/UTC') ++ '#D00-%05d!-'"
    " ++ replaceAll($js7OrderId, '^(#[^#]*#[^-]*-)?([^!|]*!-)?([^|]*).*$', '$3'))"
)
