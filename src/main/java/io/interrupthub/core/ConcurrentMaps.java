package io.interrupthub.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reads of a concurrent map that show each key once. */
final class ConcurrentMaps {

    private ConcurrentMaps() {}

    /**
     * The map's values, each still mapped under its key once all are read. A concurrent map's iterator is weakly
     * consistent: when a key is removed and put again while it runs, it can meet that key twice, with the old value
     * and the new one (a session ended and opened again under its id, a device resumed and paused again).
     */
    static <K, V> List<V> currentValues(Map<K, V> map, Function<V, K> keyOf) {
        List<V> read = new ArrayList<>(map.values());
        read.removeIf(value -> map.get(keyOf.apply(value)) != value);
        return read;
    }
}
