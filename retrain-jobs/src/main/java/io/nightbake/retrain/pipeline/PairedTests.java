package io.nightbake.retrain.pipeline;

import java.util.SplittableRandom;

/**
 * One-sided paired tests of "the challenger is better than the champion" on per-customer figures of the same
 * holdout (customers are the unit: their rows are not independent of each other). Both return a p-value: the
 * smaller, the stronger the evidence that the challenger is better.
 */
public final class PairedTests {

    private PairedTests() {
    }

    /**
     * Paired bootstrap: resamples customers with replacement {@code samples} times, recomputes both models' pooled
     * figures on each resample, and returns {@code (1 + resamples where the challenger is not better) / (1 + samples)}.
     * Deterministic for a seed.
     */
    public static double bootstrap(CustomerFigures challenger, CustomerFigures champion, int samples, long seed) {
        checkPaired(challenger, champion);
        int n = challenger.size();
        if (n == 0) {
            return 1.0;
        }
        boolean lower = challenger.lowerIsBetter();
        SplittableRandom rng = new SplittableRandom(seed);
        int[] picks = new int[n];
        int notBetter = 0;
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < n; i++) {
                picks[i] = rng.nextInt(n);
            }
            double gain = champion.value(picks) - challenger.value(picks);
            if (!((lower ? gain : -gain) > 0)) {
                notBetter++;
            }
        }
        return (1.0 + notBetter) / (1.0 + samples);
    }

    /**
     * Paired t-test on the per-customer differences (mean squared error for RMSE, the metric itself otherwise),
     * one-sided, with {@code n - 1} degrees of freedom. Returns 1 when there are fewer than two customers, and
     * 0 or 1 when every difference is the same (no variance).
     */
    public static double tTest(CustomerFigures challenger, CustomerFigures champion) {
        checkPaired(challenger, champion);
        int n = challenger.size();
        if (n < 2) {
            return 1.0;
        }
        boolean lower = challenger.lowerIsBetter();
        double mean = 0;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            double gain = champion.perCustomer(i) - challenger.perCustomer(i);
            d[i] = lower ? gain : -gain;
            mean += d[i];
        }
        mean /= n;
        double variance = 0;
        for (double x : d) {
            variance += (x - mean) * (x - mean);
        }
        variance /= n - 1;
        if (variance == 0) {
            return mean > 0 ? 0.0 : 1.0;
        }
        double t = mean / Math.sqrt(variance / n);
        return studentUpperTail(t, n - 1);
    }

    /** P(T >= t) for Student's t with {@code df} degrees of freedom. */
    static double studentUpperTail(double t, double df) {
        double x = df / (df + t * t);
        double tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5); // P(|T| >= |t|) / 2
        return t >= 0 ? tail : 1 - tail;
    }

    /** I_x(a, b), by the continued fraction (Numerical Recipes, betacf). */
    static double regularizedIncompleteBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
        if (x < (a + 1) / (a + b + 2)) {
            return Math.exp(lnFront) * continuedFraction(x, a, b) / a;
        }
        return 1 - Math.exp(lnFront) * continuedFraction(1 - x, b, a) / b;
    }

    private static double continuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - qab * x / qap;
        if (Math.abs(d) < tiny) {
            d = tiny;
        }
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-12) {
                break;
            }
        }
        return h;
    }

    /** ln Gamma(x) for x > 0 (Lanczos, g = 7). */
    static double logGamma(double x) {
        final double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < g.length; i++) {
            sum += g[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    private static void checkPaired(CustomerFigures a, CustomerFigures b) {
        if (!a.metric().equals(b.metric()) || !java.util.Arrays.equals(a.customers(), b.customers())) {
            throw new IllegalArgumentException("paired tests need both models' " + a.metric()
                    + " on the same holdout customers");
        }
    }
}
