package dev.mindflow.elasticsearch.analysis;

import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

import java.util.Map;

/**
 * The token filters MindFlow's analyzers use that Elasticsearch's integ-test distribution lacks
 * (they normally come from the analysis-common module). The core server already provides the
 * standard tokenizer and the lowercase and stop filters.
 */
public class MindflowAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "asciifolding", (indexSettings, env, name, settings) -> new AsciiFoldingTokenFilterFactory(name, settings),
            "snowball", (indexSettings, env, name, settings) -> new SnowballTokenFilterFactory(name, settings)
        );
    }
}
