package io.nightbake.experiment;

import java.util.SplittableRandom;

/** The statistics of the experiments: Wilson intervals, the two-proportion z-test and Beta draws. */
public final class Proportions {

    private Proportions() {
    }

    /** Wilson score interval at 95% for {@code successes} of {@code trials}: {low, high}; {0, 1} without trials. */
    public static double[] wilson(long successes, long trials) {
        if (trials <= 0) {
            return new double[] {0, 1};
        }
        double z = 1.959963984540054;
        double p = successes / (double) trials;
        double denominator = 1 + z * z / trials;
        double centre = (p + z * z / (2.0 * trials)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / trials + z * z / (4.0 * trials * trials)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /**
     * One-sided two-proportion z-test of H1 "B's rate is higher than A's" with the pooled variance:
     * z = (pB - pA) / sqrt(p (1 - p) (1/nA + 1/nB)), p-value = 1 - Phi(z). Valid for a single look at the data (the
     * A/B test reads it once, when the sample is complete), so the false-promotion rate is at most alpha.
     */
    public record ZTest(double rateA, double rateB, double z, double pValue) {
    }

    public static ZTest zTest(long successesA, long trialsA, long successesB, long trialsB) {
        double pa = trialsA == 0 ? 0 : successesA / (double) trialsA;
        double pb = trialsB == 0 ? 0 : successesB / (double) trialsB;
        if (trialsA == 0 || trialsB == 0) {
            return new ZTest(pa, pb, 0, 1);
        }
        double pooled = (successesA + successesB) / (double) (trialsA + trialsB);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / trialsA + 1.0 / trialsB));
        if (se == 0) {
            return new ZTest(pa, pb, 0, pb > pa ? 0 : 1);
        }
        double z = (pb - pa) / se;
        return new ZTest(pa, pb, z, 1 - normalCdf(z));
    }

    /** Standard normal CDF by Abramowitz and Stegun 26.2.17 (absolute error under 7.5e-8). */
    public static double normalCdf(double x) {
        if (x < 0) {
            return 1 - normalCdf(-x);
        }
        double t = 1 / (1 + 0.2316419 * x);
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        return 1 - Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
    }

    /** A draw from Beta(a, b), as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
    public static double beta(SplittableRandom random, double a, double b) {
        double x = gamma(random, a);
        double y = gamma(random, b);
        return x / (x + y);
    }

    /** Marsaglia and Tsang's method (2000); shapes under 1 through Gamma(a + 1) * U^(1/a). */
    static double gamma(SplittableRandom random, double shape) {
        if (shape < 1) {
            return gamma(random, shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = gaussian(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
