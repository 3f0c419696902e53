"""Fake boto3 clients for offline tests: botocore's own paginators over their methods."""

from __future__ import annotations

import botocore.session
from botocore.paginate import Paginator


class Paginated:
    """``get_paginator`` for a fake client: botocore's own Paginator over the fake's
    method, with the service's real pagination config (tokens, result keys, limits)."""

    service = ""

    def get_paginator(self, operation: str) -> Paginator:
        session = botocore.session.get_session()
        model = session.get_service_model(self.service).operation_model(
            "".join(part.title() for part in operation.split("_"))
        )
        config = session.get_paginator_model(self.service).get_paginator(model.name)
        return Paginator(getattr(self, operation), config, model)
