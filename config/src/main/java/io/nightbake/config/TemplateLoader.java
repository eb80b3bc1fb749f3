package io.nightbake.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates the template pipeline YAML. Every problem is reported as a {@link ConfigException}
 * naming the key (as a dotted path) and the allowed values, so a bad file fails at start-up, not at 01:00.
 */
public final class TemplateLoader {

    /** The template shipped inside the jar. */
    public static final String DEFAULT_RESOURCE = "nightbake-template.yaml";

    private static final Set<String> TOP_KEYS = Set.of("name", "version", "features", "algorithm", "holdout", "gate",
            "evaluation", "min-training-rows", "implicit-feedback", "top-k", "rules", "tenants", "control");
    private static final Set<String> CONTROL_KEYS = Set.of("mode", "kpi", "baseline-share", "offline-gate-margin", "ab",
            "bandit");
    private static final Set<String> AB_KEYS = Set.of("split", "alpha", "min-sample", "max-days");
    private static final Set<String> BANDIT_KEYS = Set.of("discount", "exploration-floor", "promote-share",
            "promote-nights", "retire-share", "retire-nights");
    private static final Set<String> TRIBUO_FM_KEYS = Set.of("name", "factors", "epochs", "learning-rate",
            "init-variance", "seed");
    private static final Set<String> BIASED_MF_KEYS = Set.of("name", "factors", "epochs", "learning-rate",
            "learning-rate-decay", "regularization", "bias-regularization", "init-std", "negative-samples", "seed");
    private static final Set<String> ALGORITHM_KEYS = union(TRIBUO_FM_KEYS, BIASED_MF_KEYS);
    private static final Set<String> GATE_KEYS = Set.of("metric", "promotion-margin", "margin-type", "paired-test",
            "confidence", "bootstrap-samples");
    private static final Set<String> RULE_KEYS = Set.of("exclude-purchased", "exclude-inactive", "blocked-categories",
            "region-allowed-categories", "min-score");

    private TemplateLoader() {
    }

    public static TemplatePipeline loadDefault() {
        try (InputStream in = TemplateLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new ConfigException("the built-in template " + DEFAULT_RESOURCE + " is missing from the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new ConfigException("cannot read the built-in template: " + e.getMessage(), e);
        }
    }

    /** Loads the template at {@code path}, or the built-in one when {@code path} is null or blank. */
    public static TemplatePipeline load(String path) {
        if (path == null || path.isBlank()) {
            return loadDefault();
        }
        Path file = Path.of(path);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read template file '" + path + "': " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    public static TemplatePipeline parse(String yamlText, String source) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
        } catch (YAMLException e) {
            throw new ConfigException("template " + source + " is not valid YAML: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?>)) {
            throw new ConfigException("template " + source + " must be a YAML mapping with keys " + sorted(TOP_KEYS));
        }
        Node top = new Node("", (Map<?, ?>) root, TOP_KEYS);
        try {
            return read(top);
        } catch (ConfigException e) {
            throw new ConfigException("template " + source + ": " + e.getMessage(), e);
        }
    }

    private static TemplatePipeline read(Node top) {
        String name = top.string("name", "default");
        int version = top.integer("version", 1, 1, Integer.MAX_VALUE);

        List<Feature> features = new ArrayList<>();
        for (String value : top.strings("features", List.of("customer_id", "product_id"))) {
            Feature feature = Feature.parse(top.path("features"), value);
            if (!features.contains(feature)) {
                features.add(feature);
            }
        }
        if (!features.contains(Feature.CUSTOMER_ID) || !features.contains(Feature.PRODUCT_ID)) {
            throw new ConfigException("'features' must include customer_id and product_id; allowed values: " + Feature.allowed());
        }

        Node algorithmNode = top.child("algorithm", ALGORITHM_KEYS);
        AlgorithmSettings algorithm = readAlgorithm(algorithmNode);

        Node holdout = top.child("holdout", Set.of("fraction"));
        double fraction = holdout.decimal("fraction", 0.2, 0.01, 0.9);

        Node gateNode = top.child("gate", GATE_KEYS);
        GateSettings gate = readGate(gateNode);

        // implicit-feedback tenants: the main algorithm and gate with this section's keys laid over them
        Node implicit = top.child("implicit-feedback", Set.of("algorithm", "gate"));
        Node implicitAlgorithmNode = implicit.child("algorithm", ALGORITHM_KEYS);
        AlgorithmSettings implicitAlgorithm = readAlgorithm(implicitAlgorithmNode.has("name")
                && !implicitAlgorithmNode.string("name", "").equals(algorithm.name())
                ? implicitAlgorithmNode : implicitAlgorithmNode.over(algorithmNode));
        GateSettings implicitGate = readGate(implicit.child("gate", GATE_KEYS).over(gateNode));

        Node evaluationNode = top.child("evaluation", Set.of("k", "relevant-rating", "max-customers"));
        EvaluationSettings evaluation = new EvaluationSettings(
                evaluationNode.integer("k", 10, 1, 1000),
                evaluationNode.decimal("relevant-rating", 4.0, -1e9, 1e9),
                evaluationNode.integer("max-customers", 5000, 1, Integer.MAX_VALUE));
        int minTrainingRows = top.integer("min-training-rows", 200, 0, Integer.MAX_VALUE);

        int topK = top.integer("top-k", 20, 1, 1000);
        BusinessRules rules = readRules(top.child("rules", RULE_KEYS), null);

        Map<String, BusinessRules> tenantRules = new LinkedHashMap<>();
        Node tenants = top.child("tenants", null);
        for (String tenant : tenants.keys()) {
            if (!tenant.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
                throw new ConfigException("'" + tenants.path(tenant) + "': not a valid tenant id; use 1-63 characters of [a-z0-9_-]");
            }
            Node tenantNode = tenants.child(tenant, Set.of("rules"));
            tenantRules.put(tenant, readRules(tenantNode.child("rules", RULE_KEYS), rules));
        }
        ControlSettings control = readControl(top.child("control", CONTROL_KEYS));
        return new TemplatePipeline(name, version, features, algorithm, fraction, gate, evaluation, minTrainingRows,
                implicitAlgorithm, implicitGate, topK, rules, tenantRules, control);
    }

    /** The {@code control:} section; every key has a default, so an absent section means manual mode. */
    private static ControlSettings readControl(Node node) {
        ControlSettings d = ControlSettings.DEFAULTS;
        Node ab = node.child("ab", AB_KEYS);
        Node bandit = node.child("bandit", BANDIT_KEYS);
        return new ControlSettings(
                node.oneOf("mode", d.mode(), ControlSettings.MODES),
                node.oneOf("kpi", d.kpi(), ControlSettings.KPIS),
                node.decimal("baseline-share", d.baselineShare(), 0.0, 0.5),
                node.decimal("offline-gate-margin", d.offlineGateMargin(), 0.0, 100.0),
                new ControlSettings.Ab(
                        ab.decimal("split", d.ab().split(), 0.05, 0.95),
                        ab.decimal("alpha", d.ab().alpha(), 0.001, 0.5),
                        ab.integer("min-sample", d.ab().minSample(), 1, Integer.MAX_VALUE),
                        ab.integer("max-days", d.ab().maxDays(), 1, 365)),
                new ControlSettings.Bandit(
                        bandit.decimal("discount", d.bandit().discount(), 0.5, 1.0),
                        bandit.decimal("exploration-floor", d.bandit().explorationFloor(), 0.0, 0.45),
                        bandit.decimal("promote-share", d.bandit().promoteShare(), 0.5, 1.0),
                        bandit.integer("promote-nights", d.bandit().promoteNights(), 1, 60),
                        bandit.decimal("retire-share", d.bandit().retireShare(), 0.0, 0.5),
                        bandit.integer("retire-nights", d.bandit().retireNights(), 1, 60)));
    }

    private static GateSettings readGate(Node gateNode) {
        return new GateSettings(
                gateNode.oneOf("metric", GateSettings.RMSE, GateSettings.METRICS),
                gateNode.decimal("promotion-margin", 0.001, 0, 100),
                gateNode.oneOf("margin-type", GateSettings.ABSOLUTE, GateSettings.MARGIN_TYPES),
                gateNode.oneOf("paired-test", GateSettings.NO_TEST, GateSettings.PAIRED_TESTS),
                gateNode.decimal("confidence", 0.95, 0.5, 0.9999),
                gateNode.integer("bootstrap-samples", 1000, 100, 100_000));
    }

    /**
     * Reads the algorithm and its hyper-parameters. Each algorithm has its own keys and defaults; a key of another
     * algorithm is an error naming the keys this one allows.
     */
    private static AlgorithmSettings readAlgorithm(Node algo) {
        String name = algo.oneOf("name", AlgorithmSettings.BIASED_MF, AlgorithmSettings.NAMES);
        Set<String> allowed = AlgorithmSettings.TRIBUO_FM.equals(name) ? TRIBUO_FM_KEYS : BIASED_MF_KEYS;
        for (String key : algo.keys()) {
            if (!allowed.contains(key)) {
                throw new ConfigException("'" + algo.path(key) + "' does not apply to algorithm " + name
                        + "; allowed keys: " + sorted(allowed));
            }
        }
        int seed = algo.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (AlgorithmSettings.TRIBUO_FM.equals(name)) {
            return new AlgorithmSettings(name,
                    algo.integer("factors", 8, 1, 512),
                    algo.integer("epochs", 10, 1, 1000),
                    algo.decimal("learning-rate", 0.05, 1e-9, 10),
                    algo.decimal("init-variance", 0.1, 1e-9, 10),
                    seed);
        }
        // defaults tuned on MovieLens-100K fold u1 (see BiasedMfBenchmark): mean RMSE 0.912 over u1..u5
        return new AlgorithmSettings(name,
                algo.integer("factors", 100, 1, 512),
                algo.integer("epochs", 25, 1, 1000),
                algo.decimal("learning-rate", 0.015, 1e-9, 1),
                0.1,
                seed,
                algo.decimal("regularization", 0.1, 0, 10),
                algo.decimal("bias-regularization", 0.02, 0, 10),
                algo.decimal("init-std", 0.05, 0, 10),
                algo.decimal("learning-rate-decay", 1.0, 0.5, 1.0),
                algo.integer("negative-samples", 0, 0, 100));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** Reads rules; keys absent from the node take their value from {@code base} (or the defaults). */
    private static BusinessRules readRules(Node node, BusinessRules base) {
        Map<String, Set<String>> regions = new LinkedHashMap<>();
        if (node.has("region-allowed-categories")) {
            Node regionNode = node.child("region-allowed-categories", null);
            for (String region : regionNode.keys()) {
                regions.put(region, new LinkedHashSet<>(regionNode.strings(region, List.of())));
            }
        } else if (base != null) {
            regions.putAll(base.regionAllowedCategories());
        }
        Double minScore = node.has("min-score") ? node.nullableDecimal("min-score") : base == null ? null : base.minScore();
        return new BusinessRules(
                node.bool("exclude-purchased", base == null || base.excludePurchased()),
                node.bool("exclude-inactive", base == null || base.excludeInactive()),
                node.has("blocked-categories") ? new LinkedHashSet<>(node.strings("blocked-categories", List.of()))
                        : base == null ? Set.of() : base.blockedCategories(),
                regions,
                minScore);
    }

    private static String sorted(Set<String> keys) {
        return String.join(", ", keys.stream().sorted().toList());
    }

    /** A YAML mapping that knows its dotted path, for error messages. */
    private record Node(String prefix, Map<?, ?> values, Set<String> allowedKeys) {

        Node {
            if (allowedKeys != null) {
                for (Object key : values.keySet()) {
                    if (!allowedKeys.contains(String.valueOf(key))) {
                        throw new ConfigException("unknown key '" + join(prefix, String.valueOf(key)) + "'; allowed keys: "
                                + sorted(allowedKeys));
                    }
                }
            }
        }

        String path(String key) {
            return join(prefix, key);
        }

        private static String join(String prefix, String key) {
            return prefix.isEmpty() ? key : prefix + "." + key;
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        /** This node's keys laid over {@code base}'s (keeping this node's path for error messages). */
        Node over(Node base) {
            Map<Object, Object> merged = new LinkedHashMap<>(base.values());
            merged.putAll(values);
            return new Node(prefix, merged, allowedKeys);
        }

        List<String> keys() {
            return values.keySet().stream().map(String::valueOf).toList();
        }

        Node child(String key, Set<String> allowed) {
            Object value = values.get(key);
            if (value == null) {
                return new Node(path(key), Map.of(), allowed);
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw new ConfigException("'" + path(key) + "' must be a mapping" + (allowed == null ? "" : " with keys " + sorted(allowed)));
            }
            return new Node(path(key), map, allowed);
        }

        String string(String key, String fallback) {
            Object value = values.get(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Map || value instanceof List) {
                throw new ConfigException("'" + path(key) + "' must be a single value");
            }
            return String.valueOf(value);
        }

        /** One of {@code allowed}, which error messages list in the given order. */
        String oneOf(String key, String fallback, List<String> allowed) {
            String value = string(key, fallback);
            if (!allowed.contains(value)) {
                throw new ConfigException("'" + path(key) + "': '" + value + "' is not allowed; allowed values: "
                        + String.join(", ", allowed));
            }
            return value;
        }

        List<String> strings(String key, List<String> fallback) {
            Object value = values.get(key);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof List<?> list)) {
                throw new ConfigException("'" + path(key) + "' must be a list, e.g. [a, b]");
            }
            return list.stream().map(String::valueOf).toList();
        }

        int integer(String key, int fallback, int min, int max) {
            Object value = values.get(key);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof Integer number)) {
                throw new ConfigException("'" + path(key) + "': '" + value + "' is not an integer; allowed values: " + min + ".." + max);
            }
            if (number < min || number > max) {
                throw new ConfigException("'" + path(key) + "': " + number + " is out of range; allowed values: " + min + ".." + max);
            }
            return number;
        }

        double decimal(String key, double fallback, double min, double max) {
            Double value = values.containsKey(key) ? nullableDecimal(key) : null;
            if (value == null) {
                return fallback;
            }
            if (value < min || value > max) {
                throw new ConfigException("'" + path(key) + "': " + value + " is out of range; allowed values: " + min + ".." + max);
            }
            return value;
        }

        Double nullableDecimal(String key) {
            Object value = values.get(key);
            if (value == null) {
                return null;
            }
            if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
                throw new ConfigException("'" + path(key) + "': '" + value + "' is not a finite number");
            }
            return number.doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            Object value = values.get(key);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof Boolean flag)) {
                throw new ConfigException("'" + path(key) + "': '" + value + "' is not allowed; allowed values: true, false");
            }
            return flag;
        }
    }
}
