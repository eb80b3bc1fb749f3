package io.nightbake.feedback;

/** Wilson score interval for a binomial proportion (95%): sound for small counts and for 0 or n successes. */
final class Wilson {

    static final double Z95 = 1.959963984540054;

    private Wilson() {
    }

    /** {low, high} for {@code k} successes out of {@code n}; k is capped at n; {0, 0} for n = 0. */
    static double[] interval(long k, long n) {
        if (n <= 0) {
            return new double[] {0, 0};
        }
        double p = Math.min(k, n) / (double) n;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /**
     * One-sided p-value that rate b (kb of nb) is below rate a (ka of na): two-proportion z-test with pooled variance.
     * 1 when either side has no trials.
     */
    static double pBelow(long ka, long na, long kb, long nb) {
        if (na <= 0 || nb <= 0) {
            return 1;
        }
        double pa = Math.min(ka, na) / (double) na;
        double pb = Math.min(kb, nb) / (double) nb;
        double pooled = (Math.min(ka, na) + Math.min(kb, nb)) / (double) (na + nb);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / na + 1.0 / nb));
        if (se == 0) {
            return 1;
        }
        double z = (pb - pa) / se;
        return normalCdf(z);
    }

    /** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
    static double normalCdf(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
