"""What the training loop draws its batches in and steps with: the epoch's data order, AdamW and the schedule.

`trainer` is the NLITrainer (nlirobust/training/trainer.py): its arguments, model, data and collator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.utils.data import DataLoader, RandomSampler
from transformers import get_linear_schedule_with_warmup
from transformers.trainer_pt_utils import LengthGroupedSampler

if TYPE_CHECKING:
    from nlirobust.training.trainer import NLITrainer


def epoch_loader(trainer: NLITrainer, epoch: int, batch_size: int) -> DataLoader:
    """The epoch's batches in an order drawn from its own generator, seeded by (seed, epoch): a resumed job sees
    the same order (and skips the steps already done), whatever the global RNG has drawn meanwhile."""
    generator = torch.Generator().manual_seed(trainer.args.seed * 100_003 + epoch)
    if trainer.args.train_sampling_strategy == "group_by_length":
        # batches of similar lengths (shuffled by megabatch), so dynamic padding pads little
        lengths = [len(ids) for ids in trainer.train_dataset["input_ids"]]
        sampler = LengthGroupedSampler(batch_size, lengths=lengths, generator=generator)
    else:
        sampler = RandomSampler(trainer.train_dataset, generator=generator)
    return DataLoader(
        trainer.train_dataset,
        batch_size=batch_size,
        sampler=sampler,
        collate_fn=trainer.data_collator,
        generator=generator,  # else the loader draws its base seed from the global RNG (dropout's)
        num_workers=trainer.args.dataloader_num_workers,
        pin_memory=trainer.args.dataloader_pin_memory and trainer.args.device.type == "cuda",
    )


def optimizer_and_scheduler(
    trainer: NLITrainer, num_training_steps: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """AdamW with weight decay off for biases and LayerNorm weights; linear decay after linear warmup."""
    decay = set(trainer.get_decay_parameter_names(trainer.model))
    groups = [
        {
            "params": [p for n, p in trainer.model.named_parameters() if n in decay and p.requires_grad],
            "weight_decay": trainer.args.weight_decay,
        },
        {
            "params": [p for n, p in trainer.model.named_parameters() if n not in decay and p.requires_grad],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(
        groups,
        lr=trainer.args.learning_rate,
        betas=(trainer.args.adam_beta1, trainer.args.adam_beta2),
        eps=trainer.args.adam_epsilon,
        # on a GPU, one kernel for the whole update instead of a few per parameter group (same state dict)
        fused=True if trainer.fused_optimizer and trainer.args.device.type == "cuda" else None,
    )
    scheduler = get_linear_schedule_with_warmup(
        optimizer, trainer.args.get_warmup_steps(num_training_steps), num_training_steps
    )
    return optimizer, scheduler
