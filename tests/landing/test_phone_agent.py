"""Which visitors get the link that opens WeCom, and which the QR (issue 16 point 2): WeChat's
desktop clients say MicroMessenger too, and a WeCom link does nothing there (review)."""

from __future__ import annotations

import pytest

from landing.views import phone_agent

PHONES = {
    "iphone-wechat": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",  # noqa: E501
    "android-wechat": "Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 "
    "XWEB/1110017 MMWEBSDK/20231002 MicroMessenger/8.0.43.2480(0x28002B37) WeChat/arm64 Weixin",
    "android-wecom": "Mozilla/5.0 (Linux; Android 12; PGT-AN10 Build/HONORPGT-AN10; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/97.0.4692.98 Mobile Safari/537.36 "
    "wxwork/4.1.10 MicroMessenger/7.0.1 NetType/WIFI Language/zh ColorScheme/Light",
    "android-chrome": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "iphone-safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
}
DESKTOPS = {
    "windows-wechat": "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) "
    "WindowsWechat(0x63090a13) XWEB/9129 Flue",
    "mac-wechat": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) MicroMessenger/6.8.0(0x16080000) MacWechat/3.8.6(0x13080610) XWEB/1191 Flue",
    "windows-wecom": "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/53.0.2785.116 Safari/537.36 QBCore/4.0.1326.400 QQBrowser/9.0.2524.400 "
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/53.0.2875.116 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) "
    "WindowsWechat(0x63090a13) wxwork/4.1.10 (MicroMessenger/6.2) WeChat/2.0.4",
    "windows-chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/120.0.0.0 Safari/537.36",
    "none": "",
}


@pytest.mark.parametrize("agent", PHONES.values(), ids=PHONES.keys())
def test_phones_get_the_link(agent):
    assert phone_agent(agent) is True


@pytest.mark.parametrize("agent", DESKTOPS.values(), ids=DESKTOPS.keys())
def test_desktops_get_the_qr(agent):
    assert phone_agent(agent) is False
