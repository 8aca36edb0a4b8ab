"""Post text rendering: web addresses become links (rel="nofollow ugc noopener") without letting any
text through unescaped; the "#" and "@" inside an address are not tags or mentions."""

from yalls.social.text import body_render, mentions_find, tags_find, urls_find


def test_web_addresses_are_links_with_nofollow_ugc_noopener():
    html = body_render("Entries open at https://prairie.example/entries?class=3#open. See you!")
    assert (
        '<a class="post-link" href="https://prairie.example/entries?class=3#open" '
        'rel="nofollow ugc noopener">prairie.example/entries?class=3#open</a>. See you!'
    ) in html


def test_www_addresses_get_https_and_trailing_punctuation_stays_text():
    html = body_render("(www.willowcreek.example), and more")
    assert 'href="https://www.willowcreek.example"' in html
    assert html.startswith("(<a ") and "</a>), and more" in html


def test_an_address_cannot_break_out_of_its_attribute_or_inject_markup():
    html = body_render('go https://e.vil/"onmouseover="alert(1) <script>x</script>')
    assert 'href="https://e.vil/"' in html
    assert "onmouseover=" not in html.replace("&quot;onmouseover=&quot;", "")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_javascript_urls_are_never_links():
    html = body_render("javascript:alert(1) and data:text/html,hi")
    assert "<a" not in html


def test_long_addresses_are_shortened_for_display_but_link_in_full():
    url = "https://example.com/" + "a" * 80
    html = body_render(url)
    assert f'href="{url}"' in html and "…</a>" in html


def test_fragments_and_at_signs_in_addresses_are_not_tags_or_mentions():
    body = "https://example.com/#section https://example.com/@someone #real @real_one"
    assert tags_find(body) == ["real"]
    assert mentions_find(body) == ["real_one"]
    assert urls_find(body) == ["https://example.com/#section", "https://example.com/@someone"]
    html = body_render(body, mentions={"someone": "someone"})
    assert 'class="mention"' not in html  # @real_one didn't resolve, @someone is inside a URL
    assert html.count('class="hashtag"') == 1
