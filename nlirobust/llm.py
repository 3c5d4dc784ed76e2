"""Zero-shot NLI with an instruction-tuned causal LM, by comparing the log-probabilities of the three label words.

The prompt states the task and the three labels, then the pair, through the model's own chat template. The answer is
the label word with the highest log-probability as the assistant's reply (summed over its tokens), so every answer
is a valid label and no text has to be parsed. Works with any `AutoModelForCausalLM` whose tokenizer has a chat
template (default Qwen/Qwen2.5-1.5B-Instruct; Llama 3.2 3B Instruct by changing the id); an optional vLLM backend
computes the same scores with `prompt_logprobs`. The embedded default is a tiny causal LM built here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.labels import LABEL_NAMES

SYSTEM_PROMPT = "You are an expert annotator of natural language inference."
USER_PROMPT = (
    "Decide how the hypothesis relates to the premise.\n"
    "entailment: the hypothesis must be true if the premise is true.\n"
    "contradiction: the hypothesis cannot be true if the premise is true.\n"
    "neutral: neither.\n\n"
    "Premise: {premise}\nHypothesis: {hypothesis}\n\n"
    "Answer with one word: entailment, neutral or contradiction."
)
BACKENDS: tuple[str, ...] = ("transformers", "vllm")


# Prompts longer than this are cut unless the config says otherwise (and never past the model's context): real NLI
# pairs need well under 300 tokens, and one 20,000-word pair padded a whole batch to a 38 GB logits tensor.
DEFAULT_MAX_PROMPT_TOKENS = 1024
TRUNCATION_MARK = " ..."


def _prompt_ids(tokenizer, premise: str, hypothesis: str) -> list[int]:
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_PROMPT.format(premise=premise, hypothesis=hypothesis)},
    ]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _cut(tokenizer, text: str, keep: int) -> str:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= keep else tokenizer.decode(ids[: max(keep, 0)]) + TRUNCATION_MARK


def prompts_for(tokenizer, pairs: pd.DataFrame, max_prompt_tokens: int | None = None) -> list[list[int]]:
    """Token ids of the chat prompt for every pair, ending where the assistant's answer starts.

    A prompt longer than `max_prompt_tokens` has its pair text cut, the premise first (its end is dropped, marked
    ' ...'), then the hypothesis, until it fits; the instructions are never cut.
    """
    overhead = len(_prompt_ids(tokenizer, "", ""))
    prompts = []
    for premise, hypothesis in zip(pairs["premise"], pairs["hypothesis"], strict=True):
        ids = _prompt_ids(tokenizer, premise, hypothesis)
        if max_prompt_tokens is not None and len(ids) > max_prompt_tokens:
            room = max_prompt_tokens - overhead - 2  # token merges at the joins may cost one each
            mark = len(tokenizer(TRUNCATION_MARK, add_special_tokens=False)["input_ids"])
            hypothesis_tokens = len(tokenizer(hypothesis, add_special_tokens=False)["input_ids"])
            premise = _cut(tokenizer, premise, room - min(hypothesis_tokens, room // 2) - mark)
            premise_tokens = len(tokenizer(premise, add_special_tokens=False)["input_ids"])
            if hypothesis_tokens > room - premise_tokens:
                hypothesis = _cut(tokenizer, hypothesis, room - premise_tokens - mark)
            ids = _prompt_ids(tokenizer, premise, hypothesis)[:max_prompt_tokens]
        prompts.append(ids)
    return prompts


def prompt_limit(model_dir: str | Path, max_prompt_tokens: int | None, longest_label: int) -> int:
    """The prompt length to cut at: the setting, or DEFAULT_MAX_PROMPT_TOKENS, within the model's context."""
    from transformers import AutoConfig

    context = getattr(AutoConfig.from_pretrained(str(model_dir)), "max_position_embeddings", None) or 10**9
    limit = max_prompt_tokens or DEFAULT_MAX_PROMPT_TOKENS
    return min(limit, context - longest_label)


def label_token_ids(tokenizer) -> list[list[int]]:
    return [tokenizer(word, add_special_tokens=False)["input_ids"] for word in LABEL_NAMES]


def score_transformers(model, prompts: list[list[int]], labels: list[list[int]], batch_size: int, device) -> np.ndarray:
    """(n, 3) summed log-probabilities of each label's tokens after each prompt, batched, in eval mode."""
    import torch
    from tqdm.auto import tqdm

    pad = model.config.pad_token_id if model.config.pad_token_id is not None else 0
    scores = np.zeros((len(prompts), len(labels)), dtype=np.float64)
    order = np.argsort([len(p) for p in prompts], kind="stable")  # similar lengths pad less
    model.eval()
    for start in tqdm(range(0, len(order), batch_size), desc="llm", mininterval=1 if sys.stderr.isatty() else 30):
        rows = order[start : start + batch_size]
        sequences = [prompts[i] + label for i in rows for label in labels]
        width = max(len(s) for s in sequences)
        ids = torch.full((len(sequences), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for k, sequence in enumerate(sequences):
            ids[k, : len(sequence)] = torch.tensor(sequence)
            mask[k, : len(sequence)] = 1
        with torch.inference_mode():
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
        log_probs = torch.log_softmax(logits, dim=-1).cpu()
        for k, sequence in enumerate(sequences):
            i, j = divmod(k, len(labels))
            n_label = len(labels[j])
            start_pos = len(sequence) - n_label
            # token t is predicted by the logits one position earlier
            positions = torch.arange(start_pos - 1, len(sequence) - 1)
            scores[rows[i], j] = log_probs[k, positions, torch.tensor(labels[j])].sum().item()
    return scores


def score_vllm(model_dir: str, prompts: list[list[int]], labels: list[list[int]]) -> np.ndarray:
    """The same scores through vLLM: the prompt log-probabilities of prompt + label, summed over the label."""
    from vllm import LLM, SamplingParams

    engine = LLM(model=model_dir)
    params = SamplingParams(max_tokens=1, prompt_logprobs=0)
    requests = [{"prompt_token_ids": prompt + label} for prompt in prompts for label in labels]
    outputs = engine.generate(requests, params)
    scores = np.zeros((len(prompts), len(labels)))
    for k, output in enumerate(outputs):
        i, j = divmod(k, len(labels))
        ids = requests[k]["prompt_token_ids"]
        tail = range(len(ids) - len(labels[j]), len(ids))
        scores[i, j] = sum(output.prompt_logprobs[t][ids[t]].logprob for t in tail)
    return scores


def sample_pairs(pairs: pd.DataFrame, max_examples: int | None, seed: int = 0) -> pd.DataFrame:
    """The evaluation sample: every pair, or `max_examples` of them drawn with `seed`, in the file's order."""
    if max_examples is None or len(pairs) <= max_examples:
        return pairs
    keep = np.sort(np.random.default_rng(seed).permutation(len(pairs))[:max_examples])
    return pairs.iloc[keep].reset_index(drop=True)


def llm_predictions(
    model_dir: str | Path,
    pairs: pd.DataFrame,
    backend: str = "transformers",
    batch_size: int = 8,
    max_prompt_tokens: int | None = None,
) -> tuple[pd.DataFrame, dict]:
    """(predictions, facts): `id`, `gold`, `llm_pred`, `llm_logprob_{label}` per pair; accuracy and timing."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if backend not in BACKENDS:
        raise ValueError(f"unknown LLM backend '{backend}' (expected one of {', '.join(BACKENDS)})")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    if tokenizer.chat_template is None:
        raise ValueError(f"{model_dir}: the tokenizer has no chat template; use an instruction-tuned model")
    labels = label_token_ids(tokenizer)
    limit = prompt_limit(model_dir, max_prompt_tokens, max(len(ids) for ids in labels))
    prompts = prompts_for(tokenizer, pairs, limit)
    truncated = sum(len(cut) != len(whole) for cut, whole in zip(prompts, prompts_for(tokenizer, pairs), strict=True))
    start = time.perf_counter()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if backend == "vllm":
        scores = score_vllm(str(model_dir), prompts, labels)
    else:
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=dtype).to(device)
        scores = score_transformers(model, prompts, labels, batch_size, device)
    seconds = time.perf_counter() - start
    frame = pd.DataFrame(
        {"id": pairs["id"].astype(str).to_numpy(), "gold": pairs["label"].astype("int64").to_numpy()}
        | {"llm_pred": scores.argmax(axis=1).astype("int64")}
        | {f"llm_logprob_{name}": scores[:, k] for k, name in enumerate(LABEL_NAMES)}
    )
    facts = {
        "model": str(model_dir),
        "backend": backend,
        "examples": len(frame),
        "accuracy": float((frame["llm_pred"] == frame["gold"]).mean()),
        "seconds": seconds,
        "examples_per_second": len(frame) / max(seconds, 1e-9),
        "device": device.type,
        "label_tokens": {name: len(ids) for name, ids in zip(LABEL_NAMES, labels, strict=True)},
        "max_prompt_tokens": limit,
        "truncated_prompts": truncated,
    }
    return frame, facts
