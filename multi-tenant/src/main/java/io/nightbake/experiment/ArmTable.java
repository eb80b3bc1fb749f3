package io.nightbake.experiment;

import io.nightbake.feedback.RecommendationId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Which arm serves which customer: arms in a fixed order, each with a share of the customers, and a seed. A customer's
 * position in [0, 1) is a seeded 64-bit hash of its id (FNV-1a over the UTF-8 bytes, then the SplitMix64 finalizer),
 * and the arm is the one whose cumulative interval holds it. The same seed and shares give the same assignment in any
 * process, so serving, prebaking and attribution recompute it instead of storing it per customer; a rerun of a night
 * never reshuffles anybody. When only the shares change (the bandit's nightly update), only customers near the moved
 * boundary change arm; the baseline group, last in the order with a fixed share, never moves.
 *
 * @param seed the experiment's assignment seed (fixed for its whole life)
 */
public record ArmTable(long seed, List<Arm> arms) implements java.io.Serializable {

    /** An arm: its name (the {@code arm} of the recommendationId), the model version it serves (0: popularity). */
    public record Arm(String name, int modelVersion, double share) implements java.io.Serializable {
        public Arm {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9_-]{1,80}")) {
                throw new IllegalArgumentException("invalid arm name '" + name + "'");
            }
            if (modelVersion < 0) {
                throw new IllegalArgumentException("arm '" + name + "': model version must be >= 0");
            }
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("arm '" + name + "': share " + share + " is not in 0..1");
            }
        }
    }

    public ArmTable {
        arms = List.copyOf(arms);
        if (arms.isEmpty()) {
            throw new IllegalArgumentException("an arm table needs at least one arm");
        }
        double total = arms.stream().mapToDouble(Arm::share).sum();
        if (Math.abs(total - 1) > 1e-9) {
            throw new IllegalArgumentException("arm shares must add up to 1, they add up to " + total);
        }
        if (arms.stream().map(Arm::name).distinct().count() != arms.size()) {
            throw new IllegalArgumentException("arm names must be distinct: " + arms);
        }
    }

    /** The table of a tenant without experiment: everybody on the champion. */
    public static ArmTable championOnly(int modelVersion) {
        return new ArmTable(0, List.of(new Arm(RecommendationId.CHAMPION, modelVersion, 1.0)));
    }

    public boolean experiment() {
        return arms.size() > 1;
    }

    /** The arm that serves {@code customerId}. */
    public Arm armFor(String customerId) {
        if (arms.size() == 1) {
            return arms.get(0);
        }
        return armAt(position(seed, customerId));
    }

    /** The arm whose share interval holds {@code position} (in [0, 1), see {@link #position}). */
    public Arm armAt(double position) {
        double upper = 0;
        for (Arm arm : arms) {
            upper += arm.share();
            if (position < upper) {
                return arm;
            }
        }
        return arms.get(arms.size() - 1); // rounding at the top end
    }

    /** Text form for a job's execution context: {@code seed|name:version:share|...}; see {@link #parse}. */
    public String format() {
        StringBuilder text = new StringBuilder(Long.toString(seed));
        for (Arm arm : arms) {
            text.append('|').append(arm.name()).append(':').append(arm.modelVersion()).append(':')
                    .append(Double.toString(arm.share()));
        }
        return text.toString();
    }

    public static ArmTable parse(String text) {
        String[] parts = text.split("\\|");
        List<Arm> arms = new java.util.ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String[] arm = parts[i].split(":");
            arms.add(new Arm(arm[0], Integer.parseInt(arm[1]), Double.parseDouble(arm[2])));
        }
        return new ArmTable(Long.parseLong(parts[0]), arms);
    }

    public Arm arm(String name) {
        return arms.stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
    }

    /** The customer's stable position in [0, 1) for {@code seed}. */
    public static double position(long seed, String customerId) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : customerId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h += 0x9e3779b97f4a7c15L;
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h = h ^ (h >>> 31);
        return (h >>> 11) * 0x1.0p-53;
    }
}
