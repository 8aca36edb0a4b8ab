import json, pytest
from tests.entities.test_api_entities import *  # noqa

def test_probe(client, owner_token, farm):
    for raw in ['{"handle":"nan_farm","display_name":"N","kind":"farm","metadata":{"x":NaN}}',
                '{"handle":"nul_farm","display_name":"a\\u0000b","kind":"farm"}',
                '{"handle":"nul_farm2","display_name":"ab","kind":"farm","bio":"x\\u0000"}',
                '{"handle":"inf_farm","display_name":"N","kind":"farm","metadata":{"x":Infinity}}',
                '{"handle":"keyn_farm","display_name":"N","kind":"farm","metadata":{"a\\u0000":1}}',
                ]:
        r = send(client, "post", BASE, raw=raw, token=owner_token)
        print(raw, r.status_code, r.content[:200])
    r = client.get(BASE + "?q=a%00b"); print("q nul", r.status_code, r.content[:100])
    r = client.get(BASE + "/a%00b"); print("get nul", r.status_code, r.content[:100])
    r = client.get(BASE + "?limit=100000"); print("limit", r.status_code)
    r = client.get(BASE + "?limit=-5"); print("limit", r.status_code)
    r = send(client, "patch", BASE + "/Api_Farm", {"display_name": "   "}, token=owner_token); print("blank", r.status_code, r.content[:150])
    r = send(client, "patch", BASE + "/Api_Farm", {"metadata": None}, token=owner_token); print("metanull", r.status_code, r.content[:150])
    r = send(client, "post", BASE + "/Api_Farm/transfer", {"new_owner": ""}, token=owner_token); print("emptyowner", r.status_code, r.content[:150])
