"""A paginator that stops counting at a cap: counting 200,000 rows costs more than showing
50 of them, and nobody pages past the thousandth result of a list or a search."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    cap = 1000

    @cached_property
    def count(self) -> int:
        query = self.object_list
        if hasattr(query, "order_by"):
            # Without the ordering SQLite counts from the narrowest index, not the date index.
            counted = query.order_by()[: self.cap + 1].count()
        else:
            counted = len(query)
        self.capped = counted > self.cap
        return min(counted, self.cap) if self.capped else counted

    capped = False
