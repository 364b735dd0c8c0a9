# The KDE handbook screenshot packages of blurgate-synth 2.3.0, sourced by fetch-sources.sh (which downloads them)
# and build-dataset.sh (which builds from them), so the split lives in one place. The 36 bookworm packages with
# at least 5 handbook images that no earlier set used, split before any image was looked at: in alphabetical
# order every third package (the 1st, 4th, 7th, ...) is held out (fresh3), the other 24 train (shots2).
SHOT2_PKGS=(ark blinken granatier juk kalarm kanagram kbruch kgpg khangman khelpcenter kigo kmahjongg kmenuedit
  kmouth knights kolourpaint korganizer kpat kreversi kwalletmanager kwordquiz partitionmanager rocs step)
FRESH3_SHOT_PKGS=(akregator cantor kaddressbook kbreakout kget kig kmail kmplot kompare krdc kwave lokalize)
