"""The keep-probability cache: exact round trip, LRU eviction by words, and keys that see line breaks."""

from __future__ import annotations

import threading

from headroom.kompress._cache import ScoreCache, lines_key


def test_round_trip_is_exact_and_a_copy() -> None:
    cache = ScoreCache()
    key = lines_key([["a", "b"], ["c"]])
    scores = [[0.123456789012345, 0.5], [0.999999999]]
    cache.put(key, scores)
    got = cache.get(key)
    assert got == scores  # float64: a cached text scores exactly as it did fresh
    assert got is not None
    got[0][0] = 0.0
    assert cache.get(key) == scores, "callers cannot corrupt the cache"
    assert cache.get(lines_key([["a"]])) is None


def test_keys_tell_line_breaks_and_word_boundaries_apart() -> None:
    assert lines_key([["a", "b"]]) != lines_key([["a"], ["b"]])
    assert lines_key([["ab"]]) != lines_key([["a", "b"]])
    assert lines_key([["a"], []]) != lines_key([["a"]])
    assert lines_key([["a", "b"]]) == lines_key([["a", "b"]])


def test_evicts_least_recently_used_by_words() -> None:
    cache = ScoreCache(max_words=5)
    keys = [lines_key([[str(i)]]) for i in range(3)]
    cache.put(keys[0], [[0.1, 0.1]])
    cache.put(keys[1], [[0.2, 0.2]])
    assert cache.get(keys[0]) is not None  # now the most recent
    cache.put(keys[2], [[0.3, 0.3]])  # 6 words > 5: the least recent (keys[1]) goes
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None
    cache.put(lines_key([["big"]]), [[0.5] * 6])  # larger than the whole bound: not kept
    assert len(cache) == 2


def test_concurrent_puts_and_gets_keep_the_word_count_consistent() -> None:
    cache = ScoreCache(max_words=50)

    def work(offset: int) -> None:
        for i in range(200):
            key = lines_key([[str(offset), str(i % 30)]])
            cache.put(key, [[0.5] * 3])
            cache.get(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) * 3 <= 50
