package io.interrupthub.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.interrupthub.core.InterruptManager;
import io.interrupthub.core.SpeechOutcome;
import io.interrupthub.core.SpeechPolicy;
import io.interrupthub.core.SpeechReport;

/**
 * Replays 1,000 reports of speech (backchannels, coughs and clicks, real barge-ins, keywords, questions; English and
 * Russian) through the speech policy, the way detectors send them: partials as an utterance grows, then a final one,
 * each utterance on a device whose assistant is speaking. In the same run and in alternating rounds it times the
 * seed's flag read ({@code shouldInterrupt}) over as many devices, so the figure is a ratio on this machine, now.
 * Prints a Markdown section: reports per second through the policy alone and through the manager (which pauses,
 * resumes and interrupts as decided), each against flag reads per second, and the decision table of one replay.
 *
 * <p>Usage: {@code SpeechReplay [rounds]} (default 15).
 */
public final class SpeechReplay {

    /** One utterance as a detector reports it, and what kind of sound it is. */
    record Utterance(String kind, List<SpeechReport> reports) {}

    static final List<Utterance> SCRIPTS = List.of(
            new Utterance("backchannel", List.of(partial("uh", 150), fin("uh-huh", 400))),
            new Utterance("backchannel", List.of(fin("угу", 350))),
            new Utterance("backchannel", List.of(partial("yeah", 200), fin("yeah okay", 500))),
            new Utterance("backchannel", List.of(fin("да-да", 420))),
            new Utterance("cough", List.of(partial("", 200), fin("", 260))),
            new Utterance("cough", List.of(partial("", 60), partial("", 180), fin("", 240))),
            new Utterance("click", List.of(fin("", 80))),
            new Utterance(
                    "barge-in",
                    List.of(
                            partial("I", 220),
                            partial("I think", 380),
                            partial("I think that", 520),
                            fin("I think that we should go", 1500))),
            new Utterance(
                    "barge-in",
                    List.of(
                            partial("Я", 200),
                            partial("Я думаю", 400),
                            partial("Я думаю что", 560),
                            fin("Я думаю что нет", 900))),
            new Utterance("keyword", List.of(partial("stop", 180), fin("stop", 300))),
            new Utterance("keyword", List.of(partial("подожди", 250), fin("подожди секунду", 700))),
            new Utterance("question", List.of(partial("what", 200), fin("what?", 320))));

    static final int REPORTS = 1_000;

    private static SpeechReport partial(String transcript, long ms) {
        return new SpeechReport(transcript, ms, false);
    }

    private static SpeechReport fin(String transcript, long ms) {
        return new SpeechReport(transcript, ms, true);
    }

    /** Whole utterances, cycled through the scripts, until 1,000 reports. */
    static List<Utterance> corpus() {
        List<Utterance> out = new ArrayList<>();
        int reports = 0;
        for (int i = 0; reports < REPORTS; i++) {
            Utterance u = SCRIPTS.get(i % SCRIPTS.size());
            List<SpeechReport> taken =
                    u.reports().subList(0, Math.min(u.reports().size(), REPORTS - reports));
            out.add(new Utterance(u.kind(), taken));
            reports += taken.size();
        }
        return out;
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<Utterance> corpus = corpus();
        SpeechPolicy policy = SpeechPolicy.defaults();
        double[] policyRatio = new double[rounds];
        double[] managerRatio = new double[rounds];
        double[] policyRate = new double[rounds];
        double[] managerRate = new double[rounds];
        double[] flagRate = new double[rounds];
        Map<String, Integer> table = null;
        for (int round = -3; round < rounds; round++) { // three rounds to warm up
            double flags = flagReadsPerSecond(corpus.size());
            double decided = policyPerSecond(policy, corpus);
            Map<String, Integer> decisions = new TreeMap<>();
            double acted = managerPerSecond(corpus, decisions);
            if (round >= 0) {
                flagRate[round] = flags;
                policyRate[round] = decided;
                managerRate[round] = acted;
                policyRatio[round] = decided / flags;
                managerRatio[round] = acted / flags;
                table = decisions;
            }
        }
        System.out.println(report(
                rounds,
                corpus,
                Stats.median(flagRate),
                Stats.median(policyRate),
                Stats.median(policyRatio),
                Stats.median(managerRate),
                Stats.median(managerRatio),
                table));
    }

    /** The seed's check on as many devices as there are utterances, each with a session and no flag. */
    private static double flagReadsPerSecond(int devices) {
        try (InterruptManager manager = new InterruptManager(BenchSupport.settings(devices, devices)).start()) {
            String[] ids = BenchSupport.deviceIds("flag", devices);
            for (String id : ids) {
                manager.openSession(id);
            }
            int reads = 0;
            int set = 0;
            long start = System.nanoTime();
            for (int pass = 0; pass < 200; pass++) {
                for (String id : ids) {
                    if (manager.shouldInterrupt(id)) {
                        set++;
                    }
                    reads++;
                }
            }
            long nanos = System.nanoTime() - start;
            if (set != 0) {
                throw new IllegalStateException("no flag should be set");
            }
            return reads / (nanos / 1e9);
        }
    }

    private static double policyPerSecond(SpeechPolicy policy, List<Utterance> corpus) {
        int decided = 0;
        int interrupts = 0;
        long start = System.nanoTime();
        for (int pass = 0; pass < 20; pass++) {
            for (Utterance u : corpus) {
                boolean paused = false;
                for (SpeechReport report : u.reports()) {
                    SpeechPolicy.Verdict verdict = policy.decide(report, paused);
                    paused = verdict.decision() == io.interrupthub.core.SpeechDecision.PAUSED;
                    interrupts += verdict.decision() == io.interrupthub.core.SpeechDecision.INTERRUPTED ? 1 : 0;
                    decided++;
                }
            }
        }
        long nanos = System.nanoTime() - start;
        if (interrupts == 0) {
            throw new IllegalStateException("the corpus has barge-ins");
        }
        return decided / (nanos / 1e9);
    }

    /** Each utterance on its own device with a speaking session; the manager acts on every decision. */
    private static double managerPerSecond(List<Utterance> corpus, Map<String, Integer> table) {
        try (InterruptManager manager =
                new InterruptManager(BenchSupport.settings(corpus.size(), corpus.size())).start()) {
            String[] ids = BenchSupport.deviceIds("speech", corpus.size());
            for (String id : ids) {
                manager.openSession(id);
            }
            List<SpeechOutcome> outcomes = new ArrayList<>(REPORTS);
            long start = System.nanoTime();
            for (int i = 0; i < corpus.size(); i++) {
                for (SpeechReport report : corpus.get(i).reports()) {
                    outcomes.add(manager.reportSpeech(ids[i], report));
                }
            }
            long nanos = System.nanoTime() - start;
            int k = 0;
            for (Utterance u : corpus) {
                for (int r = 0; r < u.reports().size(); r++) {
                    SpeechOutcome o = outcomes.get(k++);
                    table.merge(u.kind() + "|" + o.decision() + "|" + o.rule().tag(), 1, Integer::sum);
                }
            }
            return outcomes.size() / (nanos / 1e9);
        }
    }

    private static String report(
            int rounds,
            List<Utterance> corpus,
            double flags,
            double policy,
            double policyRatio,
            double manager,
            double managerRatio,
            Map<String, Integer> table) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%d reports in %d utterances, %d alternating rounds (medians; ratios are per round, against the flag"
                        + " read measured in the same round):%n%n",
                REPORTS,
                corpus.size(),
                rounds));
        out.append("| path | per second | time per report (or read) | cost in flag reads |\n|---|---:|---:|---:|\n");
        out.append(String.format(
                Locale.ROOT,
                "| flag read (`shouldInterrupt`, baseline) | %,.0f | %.1f ns | 1 |%n",
                flags,
                1e9 / flags));
        out.append(String.format(
                Locale.ROOT,
                "| the policy alone (`SpeechPolicy.decide`) | %,.0f | %.2f µs | %,.0f |%n",
                policy,
                1e6 / policy,
                1 / policyRatio));
        out.append(String.format(
                Locale.ROOT,
                "| through the manager (`reportSpeech`: decide, then pause, resume or interrupt) | %,.0f | %.2f µs | %,.0f |%n%n",
                manager,
                1e6 / manager,
                1 / managerRatio));
        out.append("The decisions of one replay:\n\n| sound | decision | rule | reports |\n|---|---|---|---:|\n");
        table.forEach((key, count) -> {
            String[] parts = key.split("\\|");
            out.append("| ")
                    .append(parts[0])
                    .append(" | ")
                    .append(parts[1])
                    .append(" | ")
                    .append(parts[2])
                    .append(" | ")
                    .append(count)
                    .append(" |\n");
        });
        return out.toString();
    }
}
