package io.nightbake.retrain.data;

import io.nightbake.feedback.FeedbackEvent;
import io.nightbake.feedback.FeedbackEventType;
import io.nightbake.tenant.TenantId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges a tenant's compacted feedback ({@link FeedbackFiles}) into the data read from its interactions file, while
 * the reader's builder is still open. The rules (also in the README):
 * <ol>
 *   <li>each event id counts once (the first file, by name, wins);</li>
 *   <li>events are applied in order of their event time (the client's {@code time}, not when it was received);</li>
 *   <li>an event naming a product that is not in products.parquet is dropped (the catalogue decides what can be
 *       recommended); an unknown customer is added without attributes, as in interactions.parquet;</li>
 *   <li>click: an implicit interaction of value 1, event type {@code click}; purchase: an implicit interaction whose
 *       value is the quantity (1 when not given), event type {@code purchase}. A tenant whose interactions file holds
 *       only ratings stays a ratings tenant: its clicks and purchases are not merged (they still count in the
 *       performance figures);</li>
 *   <li>rating: a rating row; when the pair already has a rating (from the file or earlier feedback), the later
 *       event time wins, the file on a tie;</li>
 *   <li>impression: a (customer, product) shown but neither clicked nor bought in the feedback and absent from the
 *       interactions file becomes one negative pair ({@link TenantDataset#negativeCount()}), which an implicit
 *       trainer may use; impressions are never interactions.</li>
 * </ol>
 * Interactions after the run date are left out later by the holdout split's cutoff, as for the file's own rows.
 */
final class FeedbackMerge {

    private static final String RATING = FeedbackKind.RATING_EVENT;

    private FeedbackMerge() {
    }

    static void into(TenantDataset.Builder builder, TenantId tenant, Path tenantDir) {
        List<FeedbackFiles.Record> records = new ArrayList<>(FeedbackFiles.readAll(tenant, tenantDir));
        if (records.isEmpty()) {
            return;
        }
        records.sort(Comparator.comparing((FeedbackFiles.Record r) -> r.event().time())
                .thenComparing(r -> r.event().eventId()));
        int own = builder.interactionCount();
        int ratingCode = builder.eventTypeCode(RATING);
        boolean ratingsTenant = own > 0;
        for (int row = 0; row < own && ratingsTenant; row++) {
            ratingsTenant = builder.rowEventTypeCode(row) == ratingCode;
        }
        // the pairs of the file's rows whose customer has feedback: enough to find ratings to replace and taken pairs
        Set<Integer> feedbackCustomers = new HashSet<>();
        for (FeedbackFiles.Record r : records) {
            int c = builder.customerIndex(r.event().customerId());
            if (c >= 0) {
                feedbackCustomers.add(c);
            }
        }
        Map<Long, Integer> ratingRow = new HashMap<>();
        Set<Long> taken = new HashSet<>();
        for (int row = 0; row < own; row++) {
            int c = builder.rowCustomer(row);
            if (feedbackCustomers.contains(c)) {
                long pair = pair(c, builder.rowProduct(row));
                taken.add(pair);
                if (builder.rowEventTypeCode(row) == ratingCode) {
                    ratingRow.merge(pair, row, (a, b) -> builder.rowTimeMicros(b) > builder.rowTimeMicros(a) ? b : a);
                }
            }
        }
        List<Long> shown = new ArrayList<>();
        for (FeedbackFiles.Record r : records) {
            FeedbackEvent e = r.event();
            int p = builder.productIndex(e.productId());
            if (p < 0) {
                continue; // rule 3
            }
            int c = builder.customerIndex(e.customerId());
            if (c < 0) {
                c = builder.addCustomer(e.customerId());
            }
            long pair = pair(c, p);
            long micros = micros(e);
            switch (e.type()) {
                case CLICK, PURCHASE -> {
                    taken.add(pair);
                    if (!ratingsTenant) {
                        double value = e.type() == FeedbackEventType.PURCHASE && e.value() != null ? e.value() : 1.0;
                        builder.addInteraction(c, p, value, micros, e.type().wireName());
                    }
                }
                case RATING -> {
                    taken.add(pair);
                    Integer existing = ratingRow.get(pair);
                    if (existing == null) {
                        ratingRow.put(pair, builder.interactionCount());
                        builder.addInteraction(c, p, e.value(), micros, RATING);
                    } else if (micros > builder.rowTimeMicros(existing)) {
                        builder.replaceValue(existing, e.value(), micros);
                    }
                }
                case IMPRESSION -> shown.add(pair);
            }
        }
        Set<Long> negatives = new HashSet<>();
        for (long pair : shown) {
            if (!taken.contains(pair) && negatives.add(pair)) {
                builder.addNegative((int) (pair >>> 32), (int) pair);
            }
        }
    }

    private static long pair(int customer, int product) {
        return ((long) customer << 32) | (product & 0xffffffffL);
    }

    private static long micros(FeedbackEvent e) {
        return Math.addExact(Math.multiplyExact(e.time().getEpochSecond(), 1_000_000L), e.time().getNano() / 1_000);
    }
}
