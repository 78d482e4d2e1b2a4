"""Human-readable sizes, the way AWS writes its limits (1 MB = 1,048,576 bytes)."""

MB = 1024 * 1024


def mb(size: int) -> str:
    if 0 < size < MB // 10:
        return f"{max(1, round(size / 1024)):,} kB"
    return f"{size / MB:.1f} MB"


def largest(sizes: dict, count: int = 5) -> str:
    """'a (12.0 MB), b (3.1 MB)' for the `count` largest items of name -> bytes."""
    top = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:count]
    return ", ".join(f"{name} ({mb(size)})" for name, size in top)


def top_level_sizes(entries, attribute: str = "size") -> dict:
    sizes: dict = {}
    for entry in entries:
        if entry.is_dir:
            continue
        top = entry.path.split("/", 1)[0] + ("/" if "/" in entry.path else "")
        sizes[top] = sizes.get(top, 0) + getattr(entry, attribute)
    return sizes
