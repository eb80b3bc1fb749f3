package io.nightbake.retrain.pipeline;

import io.nightbake.retrain.data.TenantDataset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Interaction row indices split into training and holdout sets.
 *
 * @param duplicatesCollapsed rows left out because they repeat an earlier row exactly (see {@link #mostRecent})
 */
public record HoldoutSplit(int[] trainRows, int[] holdoutRows, int duplicatesCollapsed) {

    public HoldoutSplit(int[] trainRows, int[] holdoutRows) {
        this(trainRows, holdoutRows, 0);
    }

    /** One interaction, as far as duplicates go: who, what, when, and what kind of event. */
    private record Occurrence(int customer, int product, long time, int eventType) {
    }

    /**
     * Holds out the most recent {@code fraction} of the interactions before {@code cutoffMicros} by event time
     * (ties broken by row order, so the split is deterministic); later interactions are not used at all, so a
     * run for a past date sees only what was known then. At least one row stays on each side when there are two or more.
     * Duplicates are collapsed by this rule: rows with the same customer, product, event time and event type are one
     * interaction, and the first of them in file order (with its value) is the one kept; the others are counted in
     * {@link #duplicatesCollapsed}, so thousands of copies of one event can neither dominate training nor fill the
     * holdout.
     */
    public static HoldoutSplit mostRecent(TenantDataset data, double fraction, long cutoffMicros) {
        java.util.Set<Occurrence> seen = new java.util.HashSet<>();
        int[] duplicates = {0};
        Integer[] order = IntStream.range(0, data.interactionCount())
                .filter(i -> data.eventTimeMicros(i) < cutoffMicros)
                .filter(i -> {
                    boolean first = seen.add(new Occurrence(data.customer(i), data.product(i), data.eventTimeMicros(i),
                            data.eventTypeCode(i)));
                    if (!first) {
                        duplicates[0]++;
                    }
                    return first;
                }).boxed().toArray(Integer[]::new);
        int n = order.length;
        Arrays.sort(order, Comparator.<Integer>comparingLong(data::eventTimeMicros).thenComparingInt(i -> i));
        int holdout = (int) Math.round(n * fraction);
        holdout = Math.max(n >= 2 ? 1 : 0, Math.min(holdout, n - 1));
        int[] train = new int[n - holdout];
        int[] test = new int[holdout];
        for (int i = 0; i < n; i++) {
            if (i < train.length) {
                train[i] = order[i];
            } else {
                test[i - train.length] = order[i];
            }
        }
        return new HoldoutSplit(train, test, duplicates[0]);
    }

    /**
     * This split with the holdout restricted to interactions newer than {@code trainedThroughMicros} (a champion's
     * training cutoff): the held-out rows at or before it move to training, so the champion, which was fitted on
     * them, is never scored on them, and the challenger learns from the same rows the champion did.
     */
    public HoldoutSplit after(TenantDataset data, long trainedThroughMicros) {
        int fresh = 0;
        for (int row : holdoutRows) {
            if (data.eventTimeMicros(row) > trainedThroughMicros) {
                fresh++;
            }
        }
        if (fresh == holdoutRows.length) {
            return this;
        }
        int[] train = Arrays.copyOf(trainRows, trainRows.length + holdoutRows.length - fresh);
        int[] test = new int[fresh];
        int t = trainRows.length;
        int h = 0;
        for (int row : holdoutRows) {
            if (data.eventTimeMicros(row) > trainedThroughMicros) {
                test[h++] = row;
            } else {
                train[t++] = row;
            }
        }
        return new HoldoutSplit(train, test);
    }

    /** Training and holdout rows together: what the winner is refitted on before it is exported. */
    public int[] allRows() {
        int[] all = Arrays.copyOf(trainRows, trainRows.length + holdoutRows.length);
        System.arraycopy(holdoutRows, 0, all, trainRows.length, holdoutRows.length);
        return all;
    }

    /** The newest event time among {@code rows} (Long.MIN_VALUE when there are none). */
    public static long newest(TenantDataset data, int[] rows) {
        long max = Long.MIN_VALUE;
        for (int row : rows) {
            max = Math.max(max, data.eventTimeMicros(row));
        }
        return max;
    }
}
