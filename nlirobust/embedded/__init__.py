"""The embedded default: generated SNLI/MNLI/Breaking-NLI/ChaosNLI-shaped data (`data`), the tiny ELECTRA
(`model`) and the tiny chat LM (`llm`), so the whole workflow runs with no hub, no download and no GPU."""
