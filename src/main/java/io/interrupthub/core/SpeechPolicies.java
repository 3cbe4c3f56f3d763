package io.interrupthub.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The speech policies an instance knows, by name; {@code default} is always among them. Immutable. */
public final class SpeechPolicies {

    private final Map<String, SpeechPolicy> byName;

    private SpeechPolicies(Map<String, SpeechPolicy> byName) {
        this.byName = byName;
    }

    /** Only the policy {@code default} at its defaults. */
    public static SpeechPolicies defaults() {
        return of(List.of());
    }

    /** These policies, and {@code default} at its defaults unless one of them is named so. */
    public static SpeechPolicies of(Collection<SpeechPolicy> policies) {
        Map<String, SpeechPolicy> map = new LinkedHashMap<>();
        map.put(SpeechPolicy.DEFAULT_NAME, SpeechPolicy.defaults());
        for (SpeechPolicy policy : policies) {
            map.put(policy.name(), policy);
        }
        return new SpeechPolicies(Map.copyOf(map));
    }

    /** The policy named so; null for the default. @throws InterruptHubException INVALID_INPUT for an unknown name */
    public SpeechPolicy require(String name) {
        SpeechPolicy policy = byName.get(name == null ? SpeechPolicy.DEFAULT_NAME : name);
        if (policy == null) {
            throw new InterruptHubException(
                    InterruptHubException.Kind.INVALID_INPUT,
                    "no speech policy named '" + name + "'; known: " + String.join(", ", names()));
        }
        return policy;
    }

    /** Their names, sorted. */
    public List<String> names() {
        return byName.keySet().stream().sorted().toList();
    }
}
