package dev.mindflow.elasticsearch.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.tartarus.snowball.SnowballStemmer;

/**
 * {@code snowball}: Lucene's Snowball stemmer. Option {@code language} (default "English") names a
 * stemmer in org.tartarus.snowball.ext, e.g. English, Porter, German, French.
 */
public class SnowballTokenFilterFactory extends AbstractTokenFilterFactory {

    private final String language;

    public SnowballTokenFilterFactory(String name, Settings settings) {
        super(name, settings);
        this.language = settings.get("language", "English");
        // Reject an unknown language when the index is created rather than at the first analysis.
        try {
            Class.forName("org.tartarus.snowball.ext." + language + "Stemmer", false, SnowballStemmer.class.getClassLoader())
                .asSubclass(SnowballStemmer.class);
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new IllegalArgumentException("[" + name + "] unknown snowball language [" + language + "]", e);
        }
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new SnowballFilter(tokenStream, language);
    }
}
