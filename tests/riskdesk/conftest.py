"""The API fuzz builds its schema when collected (seconds): skip that unless it is selected."""


def pytest_ignore_collect(collection_path, config):
    if collection_path.name != "test_api_fuzz.py":
        return None
    selected = (config.getoption("markexpr") or "").replace(" ", "")
    return True if selected in ("", "notfuzz") else None
