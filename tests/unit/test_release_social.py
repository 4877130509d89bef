"""Social posts and the blog draft made from release notes: each network's limit as it counts, the
notes' own bullets only, the release's link in every one, no mention that could notify."""

from __future__ import annotations

from devrel.release.social import MORE, NETWORKS, blog_post, note_bullets, post_length, social_posts

LINK = "https://github.com/acme/widget/releases/tag/v2.0"
NOTES = ("# acme/widget v2.0\n\n## Breaking changes\n\n- Drop Python 3.8 ([#3](https://github.com/acme/widget/pull/3))\n"
         "  - Upgrade: use Python 3.9 or newer\n\n## Features\n\n"
         "- Add **CSV** export, thanks @everyone (#12, abc1234)\n"
         + "".join(f"- Feature {i}: a longer description of what changed for users (#{i})\n" for i in range(30))
         + "\n## Contributors\n\nThanks to @dan and @eve.\n")


def test_each_post_fits_its_network_and_links_the_release() -> None:
    posts = social_posts("acme/widget", "v2.0", NOTES, LINK)
    assert [p.network for p in posts] == list(NETWORKS)
    for post in posts:
        assert post.length == post_length(post.text, post.network) <= post.limit == NETWORKS[post.network][0]
        assert post.text.startswith("acme/widget v2.0 is out.") and post.text.endswith(f"{MORE} {LINK}")
    mastodon, bluesky, x = posts
    # Mastodon has room for more bullets than the others; every bullet is one of the notes'.
    assert mastodon.text.count("•") > bluesky.text.count("•") >= x.text.count("•") >= 2
    bullets = note_bullets(NOTES)
    for post in posts:
        assert all(line[2:] in bullets for line in post.text.splitlines() if line.startswith("• "))


def test_links_count_as_each_network_counts_them() -> None:
    text = f"v2.0 {LINK}"
    assert post_length(text, "mastodon") == post_length(text, "x") == 5 + 23
    assert post_length(text, "bluesky") == len(text)
    assert post_length("漢字", "x") == 4 and post_length("漢字", "mastodon") == 2


def test_bullets_are_the_notes_own_without_references_or_live_mentions() -> None:
    bullets = note_bullets(NOTES)
    assert bullets[0] == "Drop Python 3.8"  # breaking first, as in the notes; upgrade steps not repeated
    assert bullets[1].startswith("Add CSV export, thanks @") and "@everyone" not in bullets[1]
    assert len(bullets) == 32 and not any("Thanks to" in b or "(#" in b for b in bullets)


def test_a_short_release_has_everything_and_no_more_link() -> None:
    notes = "# x 1.0\n\n## Fixes\n\n- Parse empty headers (#7)\n"
    [post, *_] = social_posts("acme/widget", "1.0", notes, LINK)
    assert post.text == f"acme/widget 1.0 is out.\n\n• Parse empty headers\n\n{LINK}"


def test_the_blog_draft_is_the_notes_with_a_title_and_the_link() -> None:
    blog = blog_post("acme/widget", "v2.0", NOTES, LINK)
    assert blog.startswith('---\ntitle: "acme/widget v2.0 is out"\n---\n\n# acme/widget v2.0 is out\n')
    assert "# acme/widget v2.0\n" not in blog and "## Breaking changes" in blog and "Upgrade: use Python 3.9" in blog
    assert blog.count(LINK) == 2 and "@everyone" not in blog and "@dan" not in blog
