"""MusicGen decoding speed with the facebook architectures and random weights (no download).

Builds MusicGen small / medium / large as the facebook checkpoints are shaped (T5-base text
encoder, EnCodec 32 kHz with 4 codebooks of 2048 codes at 50 frames per second, decoder
1024x24 / 1536x48 / 2048x48 with 16 / 24 / 32 heads), then times token decoding through the
engine's ``decode_tokens`` seam and the EnCodec decode of the result.

Examples:
    python bench/musicgen_speed.py                        # CPU, small, 20 steps
    python bench/musicgen_speed.py --device cuda --dtype float16 --models small medium large \
        --steps 250 --batch 4

Prints, per model: milliseconds per decoder step (one step = one codec frame for the whole
batch, with classifier-free guidance doubling the rows), and seconds of audio produced per
second of wall time (batch included).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import torch

ARCHITECTURES: dict[str, dict[str, int]] = {
    # decoder hidden size, layers, attention heads, feed-forward width
    "small": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
              "ffn_dim": 4096},
    "medium": {"hidden_size": 1536, "num_hidden_layers": 48, "num_attention_heads": 24,
               "ffn_dim": 6144},
    "large": {"hidden_size": 2048, "num_hidden_layers": 48, "num_attention_heads": 32,
              "ffn_dim": 8192},
}  # fmt: skip
TEXT_ENCODERS: dict[str, dict[str, int]] = {
    "base": {"d_model": 768, "d_ff": 3072, "num_layers": 12, "num_heads": 12},
    "large": {"d_model": 1024, "d_ff": 4096, "num_layers": 24, "num_heads": 16},
}


def build_model(size: str, text_encoder: str, device: torch.device, dtype: torch.dtype) -> Any:
    """A randomly initialised MusicgenForConditionalGeneration of the given size."""
    from transformers import (
        EncodecConfig,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    text = T5Config(vocab_size=32128, d_kv=64, **TEXT_ENCODERS[text_encoder])
    audio = EncodecConfig(
        sampling_rate=32000,
        audio_channels=1,
        num_filters=64,
        hidden_size=128,
        codebook_size=2048,
        codebook_dim=128,
        num_lstm_layers=2,
        upsampling_ratios=[8, 5, 4, 4],
        target_bandwidths=[2.2],
        chunk_length_s=None,
        overlap=None,
        normalize=False,
        use_causal_conv=False,
        pad_mode="reflect",
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=2048,
        num_codebooks=4,
        max_position_embeddings=2048,
        pad_token_id=2048,
        bos_token_id=2048,
        **ARCHITECTURES[size],
    )
    config = MusicgenConfig(
        text_encoder=text.to_dict(), audio_encoder=audio.to_dict(), decoder=decoder.to_dict()
    )
    with torch.device(device):
        model = MusicgenForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=2048, pad_token_id=2048, bos_token_id=2048, max_length=1500
    )
    return model.to(dtype).eval()


def bench_one(
    size: str, args: argparse.Namespace, device: torch.device, dtype: torch.dtype
) -> dict[str, float]:
    """Time decoding ``args.steps`` steps for one architecture."""
    from music_gen.engines.musicgen.codec import codes_to_audio
    from music_gen.engines.musicgen.decoding import Conditioning, SamplingSettings, decode_tokens

    torch.manual_seed(0)
    model = build_model(size, args.text_encoder, device, dtype)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    ids = torch.randint(0, 32000, (args.batch, 12), device=device)
    mask = torch.ones_like(ids)
    sampling = SamplingSettings(
        temperature=1.0, top_k=250, top_p=1.0, guidance_scale=args.guidance_scale
    )

    def conditioning() -> Conditioning:
        with torch.inference_mode():
            hidden = model.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return Conditioning(
            batch_size=args.batch, encoder_hidden_states=hidden, attention_mask=mask
        )

    def run(frames: int) -> torch.Tensor:
        with torch.inference_mode():
            return decode_tokens(
                model, conditioning(), new_frames=frames, sampling=sampling,
                decoder=args.decoder,
            )  # fmt: skip

    run(2)  # warm-up: allocations, kernels
    _sync(device)
    start = time.perf_counter()
    codes = run(args.steps - 3)  # steps = frames + 3 (the delay pattern)
    _sync(device)
    decode_s = time.perf_counter() - start
    start = time.perf_counter()
    with torch.inference_mode():
        audio = codes_to_audio(model, codes, channels=1)
    _sync(device)
    codec_s = time.perf_counter() - start
    audio_s = audio.shape[-1] / 32000 * args.batch
    return {
        "params_m": params,
        "ms_per_step": decode_s / args.steps * 1000,
        "decode_s": decode_s,
        "codec_s": codec_s,
        "audio_s_per_s": audio_s / (decode_s + codec_s),
    }


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["small"], choices=list(ARCHITECTURES))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20, help="decoder steps (50 per second)")
    parser.add_argument("--guidance-scale", type=float, default=3.0)
    parser.add_argument("--text-encoder", default="base", choices=list(TEXT_ENCODERS))
    parser.add_argument("--decoder", default="stock", choices=["stock", "auto", "fast"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.steps < 4:
        parser.error("--steps must be at least 4 (the delay pattern takes 3)")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"device={args.device} ({name}) dtype={args.dtype} batch={args.batch} "
        f"steps={args.steps} guidance={args.guidance_scale} decoder={args.decoder} "
        f"threads={torch.get_num_threads()} torch={torch.__version__}"
    )
    print(f"{'model':<8}{'params':>10}{'ms/step':>10}{'codec s':>10}{'audio s/s':>11}")
    for size in args.models:
        result = bench_one(size, args, device, dtype)
        print(
            f"{size:<8}{result['params_m']:>9.0f}M{result['ms_per_step']:>10.1f}"
            f"{result['codec_s']:>10.2f}{result['audio_s_per_s']:>11.3f}"
        )
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
