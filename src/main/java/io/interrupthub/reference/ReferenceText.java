package io.interrupthub.reference;

/** A deterministic answer, word by word, so a test knows exactly what "heard up to the cut" must be. */
final class ReferenceText {

    private static final String[] WORDS = ("Interrupt Hub stops everything a voice assistant is still producing the "
                    + "moment the user starts talking over it so the next turn starts clean and nothing stale is ever "
                    + "streamed to the device again")
            .split(" ");

    private ReferenceText() {}

    static String word(int index) {
        return WORDS[index % WORDS.length] + " ";
    }
}
