# Every encoder side by side (`models:`): the report's first section, from the prediction files of each encoder's
# runs at the initial learning rate chosen on validation, beside the published study's numbers.


include: "helpers/encoders.smk"


rule compare_encoders:
    input:
        metrics=[predictions_file(m, e, "json") for m in models_of(["initial"]) for e in EVAL_SETS],
        challenge=[predictions_file(m, e) for m in models_of(["initial"]) for e in challenge_sets(config)],
        final_metrics=comparison_final_metrics(),
        attack_summaries=comparison_attack_summaries(),
        attack_predictions=comparison_attack_predictions(),
    output:
        csv="results/tables/encoders_compared.csv",
        md="results/tables/encoders_compared.md",
        figure=report(
            "results/figures/encoders_compared.png",
            caption="captions/encoders_compared_figure.rst",
            category="Encoders compared",
        ),
    log:
        "logs/tables/encoders_compared.log",
    benchmark:
        "logs/benchmarks/compare_encoders/tables/encoders_compared.tsv"
    conda:
        "../envs/nlirobust.yaml"
    params:
        script=script_path("compare_encoders.py"),
        encoders=json.dumps([{k: e[k] for k in ("name", "name_or_path")} for e in ENCODERS.values()]),
        two_way=" ".join(two_way_sets(config)),
    shell:
        "python {params.script:q} --encoders {params.encoders:q} --metrics {input.metrics:q} "
        "--challenge {input.challenge:q} --final-metrics {input.final_metrics:q} "
        "--attack-summaries {input.attack_summaries:q} --attack-predictions {input.attack_predictions:q} "
        "--two-way-sets {params.two_way} --csv {output.csv:q} --md {output.md:q} --figure {output.figure:q} "
        "> {log:q} 2>&1"
