"""The one module-level cache helper: bounded, least recently used evicted first."""

from annotations.caches import LRUCache


def test_the_least_recently_used_entry_is_evicted_first():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_a_callable_limit_is_read_at_each_insert_and_clear_empties():
    limit = {"n": 3}
    cache: LRUCache[int, int] = LRUCache(lambda: limit["n"])
    for key in range(3):
        cache.put(key, key * 10)
    limit["n"] = 1
    cache.put(9, 90)
    assert (len(cache), cache.get(9), cache.get(0)) == (1, 90, None)
    cache.clear()
    assert len(cache) == 0 and cache.get(9) is None
