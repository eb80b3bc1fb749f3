package io.nightbake.scoring;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Packs tenants into at most {@code slots} bins of similar total size (estimated customers x products), so that
 * thousands of small tenants cost a few Spark tasks instead of thousands: largest tenant first, each onto the
 * currently least-loaded bin (the LPT rule: the makespan is within 4/3 of the best possible). Deterministic: ties
 * are broken by tenant id and bin number.
 */
public final class TenantPacking {

    private TenantPacking() {
    }

    /** A bin: positions of tasks in the input list, largest first, and their total estimated pairs. */
    public record Bin(List<Integer> taskPositions, long estimatedPairs) {
    }

    public static List<Bin> pack(List<ScoringTask> tasks, int slots) {
        List<String> ids = new ArrayList<>(tasks.size());
        long[] weights = new long[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            ids.add(tasks.get(i).tenantId());
            weights[i] = weight(tasks.get(i));
        }
        return pack(ids, weights, slots);
    }

    /** Packs items named {@code ids} of estimated cost {@code weights} (at least 1 each) into at most {@code slots} bins. */
    public static List<Bin> pack(List<String> ids, long[] weights, int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        int binCount = Math.min(slots, ids.size());
        List<Integer> order = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingLong(i -> Math.max(1, weights[i])).reversed()
                .thenComparing(ids::get)
                .thenComparingInt(i -> i));

        List<List<Integer>> members = new ArrayList<>(binCount);
        long[] loads = new long[binCount];
        PriorityQueue<Integer> leastLoaded = new PriorityQueue<>(Math.max(1, binCount),
                Comparator.<Integer>comparingLong(b -> loads[b]).thenComparingInt(b -> members.get(b).size())
                        .thenComparingInt(b -> b));
        for (int b = 0; b < binCount; b++) {
            members.add(new ArrayList<>());
            leastLoaded.add(b);
        }
        for (int position : order) {
            int bin = leastLoaded.poll();
            members.get(bin).add(position);
            loads[bin] += Math.max(1, weights[position]);
            leastLoaded.add(bin);
        }
        List<Bin> bins = new ArrayList<>(binCount);
        for (int b = 0; b < binCount; b++) {
            bins.add(new Bin(List.copyOf(members.get(b)), loads[b]));
        }
        return bins;
    }

    /** A tenant with no estimate still costs something (reading its files, exporting its graph). */
    private static long weight(ScoringTask task) {
        return Math.max(1, task.estimatedPairs());
    }
}
