package io.nightbake.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which trainer the template uses and its hyper-parameters. Not every field applies to every algorithm:
 * {@link #hyperParameters()} lists the ones that do, and the loader rejects keys that do not.
 *
 * <ul>
 *   <li>{@value #TRIBUO_FM}: Tribuo's factorization machine (AdaGrad): factors, epochs, learning-rate, init-variance, seed.</li>
 *   <li>{@value #BIASED_MF}: biased matrix factorization by SGD (Funk-SVD with biases): factors, epochs, learning-rate,
 *       learning-rate-decay, regularization, bias-regularization, init-std, negative-samples, seed.</li>
 * </ul>
 *
 * @param initVariance   variance of Tribuo's initial factors (tribuo-fm)
 * @param regularization L2 penalty on the factors (biased-mf)
 * @param biasRegularization L2 penalty on the customer and product biases (biased-mf)
 * @param initStd        standard deviation of the initial factors (biased-mf)
 * @param learningRateDecay the learning rate is multiplied by this after every epoch (biased-mf; 1 = constant)
 * @param negativeSamples for implicit-feedback tenants (interactions that are not ratings), the number of products the
 *                       customer never interacted with that are sampled per observed interaction and fitted towards 0;
 *                       0 turns it off (biased-mf)
 */
public record AlgorithmSettings(String name, int factors, int epochs, double learningRate, double initVariance, long seed,
                                double regularization, double biasRegularization, double initStd,
                                double learningRateDecay, int negativeSamples) implements java.io.Serializable {

    public static final String TRIBUO_FM = "tribuo-fm";
    public static final String BIASED_MF = "biased-mf";

    /** The algorithms a template may name, in the order error messages list them. */
    public static final List<String> NAMES = List.of(TRIBUO_FM, BIASED_MF);

    /** A Tribuo FM configuration (the fields biased-mf alone uses take their defaults). */
    public AlgorithmSettings(String name, int factors, int epochs, double learningRate, double initVariance, long seed) {
        this(name, factors, epochs, learningRate, initVariance, seed, 0.04, 0.01, 0.1, 1.0, 0);
    }

    /** The hyper-parameters of this algorithm, as recorded in a model version's lineage (template key order). */
    public Map<String, Object> hyperParameters() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("factors", factors);
        map.put("epochs", epochs);
        map.put("learning-rate", learningRate);
        if (BIASED_MF.equals(name)) {
            map.put("learning-rate-decay", learningRateDecay);
            map.put("regularization", regularization);
            map.put("bias-regularization", biasRegularization);
            map.put("init-std", initStd);
            map.put("negative-samples", negativeSamples);
        } else {
            map.put("init-variance", initVariance);
        }
        map.put("seed", seed);
        return map;
    }
}
