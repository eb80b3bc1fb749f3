package io.nightbake.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subcommand's arguments: {@code --name value}, {@code --name=value} and bare flags. Options whose name contains
 * a dot ({@code --server.port=8081}, {@code --spring.profiles.active=postgres}) are Spring Boot properties and are
 * passed through to the application untouched.
 */
public final class CommandLine {

    private final String command;
    private String action;
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> springArgs = new ArrayList<>();

    public CommandLine(String[] args, Set<String> flags) {
        // Spring properties may come before the command: `--spring.profiles.active=postgres runs --limit 5`
        int first = 0;
        while (first < args.length && args[first].startsWith("--") && args[first].contains(".") && args[first].contains("=")) {
            springArgs.add(args[first++]);
        }
        this.command = first == args.length ? "help" : args[first];
        int i = first + 1;
        if (i < args.length && !args[i].startsWith("--")) {
            action = args[i++]; // a subcommand's verb, as in `api-key create`
        }
        for (; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.contains(".")) {
                springArgs.add(value == null && i + 1 < args.length && !args[i + 1].startsWith("--")
                        ? arg + "=" + args[++i] : arg);
                continue;
            }
            if (value == null && !flags.contains(name)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = args[++i];
            }
            options.put(name, value == null ? "true" : value);
        }
    }

    public String command() {
        return command;
    }

    /** The bare word after the command, if any (`create` in `api-key create --tenant t`). */
    public String action() {
        return action;
    }

    public List<String> springArgs() {
        return springArgs;
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    public String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    public String required(String name) {
        String value = options.get(name);
        if (value == null) {
            throw new UsageException("option --" + name + " is required");
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value);
            if (number < min || number > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + number);
            }
            return number;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, was '" + value + "'");
        }
    }

    /** Fails on options the command does not know, so a typo is not silently ignored. */
    public void allowOnly(Set<String> known) {
        for (String name : options.keySet()) {
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name + " for '" + command + "'; options: "
                        + (known.isEmpty() ? "none" : "--" + String.join(", --", known.stream().sorted().toList())));
            }
        }
    }

    /** A mistake in the command line: reported with the usage, without a stack trace. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
