package io.nightbake.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code nightbake.lookup.latency} timer, tagged with the answer's HTTP {@code status} (as Spring's
 * {@code http.server.requests} is, which never sees the lookups that the lean listener answers), so that dashboards
 * can tell 200s from 404 {@code unknown_customer} and 503 {@code index_loading}. One timer per status, made on first
 * use and kept in an array: recording allocates nothing.
 */
public final class LookupTimers {

    public static final String NAME = "nightbake.lookup.latency";

    private final MeterRegistry registry;
    private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

    public LookupTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(int status, long nanos) {
        int slot = status >= 100 && status < 600 ? status : 500;
        Timer timer = byStatus.get(slot);
        if (timer == null) { // the registry returns the same timer to a racing thread
            timer = Timer.builder(NAME).description("time to answer a recommendation lookup")
                    .tag("status", Integer.toString(slot)).register(registry);
            byStatus.set(slot, timer);
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }
}
