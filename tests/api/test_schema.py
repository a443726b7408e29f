"""Property-based run over the OpenAPI schema (schemathesis, bounded examples): whatever the
generated request, with or without a valid key, the service never answers with a server error."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import ApiSettings, create_app

pytestmark = pytest.mark.slow  # schemathesis

ADMIN = "schema-admin-key-0123456789"
# made when the module is collected (schemathesis reads the schema then), so removed at exit:
# a fixture's tmp_path is not there yet, and each collection had left a folder in /tmp
_work = Path(tempfile.mkdtemp(prefix="probation-api-schema-"))
atexit.register(shutil.rmtree, _work, True)
(_work / "keys.toml").write_text(f'[[keys]]\nkey = "{ADMIN}"\nname = "admin"\nrole = "admin"\n')
app = create_app(ApiSettings(keys_file=_work / "keys.toml", work_dir=_work))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    for headers in ({"X-API-Key": ADMIN}, {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
        )
