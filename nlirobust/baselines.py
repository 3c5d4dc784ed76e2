"""Reference points that need no neural model: a hypothesis-only classifier exposes annotation artifacts."""

from __future__ import annotations

import pandas as pd


def hypothesis_only_accuracy(train: pd.DataFrame, evaluation: pd.DataFrame, seed: int = 0) -> dict:
    """Logistic regression on hypothesis unigrams and bigrams, trained on `train`, scored on `evaluation`."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(ngram_range=(1, 2), min_df=2)
    features = vectorizer.fit_transform(train["hypothesis"])
    classifier = LogisticRegression(max_iter=2000, random_state=seed).fit(features, train["label"])
    accuracy = classifier.score(vectorizer.transform(evaluation["hypothesis"]), evaluation["label"])
    majority = evaluation["label"].value_counts(normalize=True).max()
    return {
        "accuracy": float(accuracy),
        "majority_class_accuracy": float(majority),
        "train_examples": int(len(train)),
        "eval_examples": int(len(evaluation)),
        "features": int(features.shape[1]),
    }
