"""The command line and the cycle config (mailmerge.toml)."""

from __future__ import annotations

# --- command line (cli) --------------------------------------------------------------------

# The first word of every error and warning line the commands print.
ERROR_PREFIX = "エラー: "
WARNING_PREFIX = "注意: "
# click's own words (cli/usage.py): the usage line, the help's hint, and what was wrong on the command line.
CLI_USAGE_PREFIX = "使い方: "
CLI_HELP_HINT = "「{command} --help」で使い方の説明を表示します。"
CLI_NO_SUCH_COMMAND = "「{name}」というコマンドはありません。"
CLI_NO_SUCH_OPTION = "「{name}」というオプションはありません。"
CLI_DID_YOU_MEAN = "もしかして: {names}"
CLI_MISSING_OPTION = "{name} を指定してください。"
CLI_MISSING_ARGUMENT = "{name} を指定してください。"
CLI_BAD_VALUE = "{name} の値が正しくありません: {detail}"
CLI_NOT_A_NUMBER = "「{value}」は数ではありません。半角の数字で指定してください"
CLI_OUT_OF_RANGE = "{value} は範囲（{range}）の外です"
CLI_NOT_A_CHOICE = "「{value}」は使えません。次のどれかで指定してください: {choices}"
CLI_PATH_MISSING = "「{value}」が見つかりません"
CLI_PATH_IS_FOLDER = "「{value}」はフォルダーです。ファイルを指定してください"
CLI_PATH_IS_FILE = "「{value}」はファイルです。フォルダーを指定してください"
CLI_EXTRA_ARGUMENTS = (
    '余分な引数があります（{extra}）。空白を含む名前やメモは "事務局 山田" のように引用符で囲んでください。'
)
CLI_OPTION_NEEDS_VALUE = "{name} には値が必要です。"
CLI_USAGE_OTHER = "コマンドの書き方が正しくありません（{detail}）。"
CLI_ABORTED = "中断しました。"
# What click adds after an option's help (show_default, required, envvar), in its place: ［既定: 1］.
CLI_HELP_EXTRA = "［{items}］"
CLI_HELP_DEFAULT = "既定: {value}"
CLI_HELP_REQUIRED = "必須"
CLI_HELP_ENV_VAR = "環境変数: {value}"

# --- the cycle config (mailmerge.toml) ------------------------------------------------------

CONFIG_NOT_FOUND = "{path}: 設定ファイル（mailmerge.toml）が見つかりません"
CONFIG_NOT_FOUND_HINT = "。プロジェクトのフォルダーで実行するか、--config で設定ファイルを指定してください"
CONFIG_NOT_TOML = (
    "{name}: 設定ファイルの書き方に誤りがあります（{detail}）。Word ではなくテキストエディターで開き、直してください"
)
# Templates (render.py): where, what is wrong, what to do.
TEMPLATE_NOT_WORD = "Word 文書 (.docx) として読めません。Word で開き「Word 文書 (*.docx)」形式で保存し直してください"
TEMPLATE_PROPERTIES = "(文書のプロパティ)"
TEMPLATE_TAG_SYNTAX = "{where}: 差し込みタグの書き方に誤りがあります ({detail})。付近の文: 「{snippet}」"
TEMPLATE_RENDERED_BROKEN = (
    "{display}: 会員番号 {member_id}: 差し込み後の文書が壊れています ({part}: {detail})。"
    "{{%p %}} などのタグがそれぞれ一つの段落に収まっているか確認してください"
)
TEMPLATE_MISSING = "{display}: テンプレートが見つかりません。mailmerge.toml の [documents] を確認してください"
TEMPLATE_FIELD_NAMED = "差し込み項目 '{name}' "
TEMPLATE_FIELD_OTHER = "差し込み項目 ({detail}) "
TEMPLATE_PART_OF = "{part} の "
TEMPLATE_UNKNOWN_FIELD = (
    "差し込み項目 '{name}' は名簿にも mailmerge.toml にもありません。"
    "テンプレートの綴りを直すか、mailmerge.toml に追加してください"
)
TEMPLATE_EXTERNAL_LINK = (
    "外部の {kind} にリンクしています（変換時に LibreOffice が外部から取得します）。"
    "図はリンクせず文書に貼り付けてください"
)
TEMPLATE_EXTERNAL_FIELD = "外部の内容を読み込む {field} フィールドがあります。削除してください"
SERVE_ACCESS_LOG = "画面へのアクセスの記録（会員番号のみ、日本時間）: {path}"
DATE_STYLE_UNKNOWN = "日付の書き方 {style!r} は使えません（{allowed} のどれか）"
DATE_BEFORE_SHOWA = '{day} は昭和より前の日付なので和暦で書けません。date_style = "western" にしてください'
STORE_CANNOT_OPEN = "{path}: データベースを開けません（{reason}）。ファイルの権限と空き容量を確認してください"
ROSTER_HONORIFIC = "敬称 {quoted} は使えません。{allowed} のどれかにしてください（空欄は 様）"
CONFIG_NOT_UTF8 = (
    "{name}: 設定ファイルが UTF-8 ではありません。テキストエディターで「UTF-8」を選んで保存し直してください"
)
# tomllib's reasons (the start of its English message) and what they mean for the person editing the file.
CONFIG_TOML_REASONS = (
    ("Expected '=' after a key", "項目名の後に「=」がありません"),
    ("Invalid value", '値の書き方が正しくありません。文字は "…" で囲み、日付は 2026-12-01 のように書きます'),
    ("Unterminated string", '文字列を閉じる「"」がありません'),
    ("Illegal character", "文字列の中に使えない文字（改行・タブなど）があります"),
    ("Cannot declare", "同じ表（[…]）が 2 回あります"),
    ("Cannot overwrite a value", "同じ項目が 2 回あります"),
    ("Duplicate inline table key", "同じ項目が 2 回あります"),
    ("Unclosed array", "「[」に対応する「]」がありません"),
    ("Unclosed inline table", "「{」に対応する「}」がありません"),
    ("Expected ']' at the end of a table", "表の見出しを閉じる「]」がありません"),
    ("Invalid initial character for a key", "項目名の書き方が正しくありません（半角英数字で書きます）"),
    ("Invalid statement", "この行の書き方が正しくありません（項目名 = 値 の形で書きます）"),
    (
        "Expected newline or end of document",
        '値の後に余分な文字があります。文字は "…" で囲み、1 行に 1 項目だけ書きます',
    ),
    ("Invalid date or datetime", "日付が正しくありません（2026-12-01 のように書きます）"),
    ("Unescaped", "文字列の中の「\\」は「\\\\」と書きます"),
)
CONFIG_TOML_OTHER = "書き方が正しくありません: {detail}"
CONFIG_NEEDS_VALUE = "{name}: [{where}] に {key} の値がありません。書き足してください"
CONFIG_BAD_DATE_STYLE = "{name}: date_style は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_NEEDS_COLUMN = (
    '{name}: [roster.fields] に項目 {field} がありません。{field} = {{ header = "名簿の列名" }} を書き足してください'
)
CONFIG_FIELDS_AND_COLUMNS = (
    "{name}: [roster.fields] と [roster.columns]・[roster.required]・[roster.max_length] が両方あります。"
    "項目は [roster.fields] だけに書いてください"
)
CONFIG_CORE_UNPRINTED = "{name}: 項目 {field} は書状に必ず使うため printed = false にはできません"
CONFIG_FIELD_NAME = (
    "{name}: [{where}] の項目名は半角の英字・数字・_ で書いてください（テンプレートの {{{{ 項目名 }}}} になります）"
)
CONFIG_FIELD_UNKNOWN_KEY = "{name}: [{where}] の {key} は使えません（使えるのは {allowed}）"
CONFIG_FIELD_BAD_VALUE = (
    "{name}: [{where}] の {key} = {value!r} は使えません。header と check は文字列、printed と required は "
    "true か false、max_length は 1 以上の整数で書いてください"
)
CONFIG_UNKNOWN_CHECK = '{name}: [{where}] の check = "{check}" はありません（使えるのは {allowed}）'
CONFIG_UNKNOWN_REQUIRED = "{name}: [roster.required] の {fields} は [roster.columns] にない項目です"
CONFIG_GROUPS = "{name}: [groups] には enrolled と unenrolled の二つだけを書いてください"
CONFIG_SAME_GROUPS = "{name}: [groups] の enrolled と unenrolled には別々の言葉を書いてください"
CONFIG_NO_DOCUMENTS = "{name}: [documents] にテンプレートが一つもありません"
CONFIG_BAD_DATE = "{name}: [letter] の日付: {detail}"
CONFIG_EMAIL_UNKNOWN_KEYS = "{name}: [email] に知らない項目 {keys} があります。使える項目は {allowed} です"
CONFIG_EMAIL_SECURITY = "{name}: [email] の security は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_EMAIL_PLAIN = (
    '{name}: [email] の security = "none"（暗号化なし）は、このコンピューター上のサーバー（host が {hosts}）で'
    "user を書かないときだけ使えます。パスワードを暗号化せずに送らないためです。starttls か tls にしてください"
)
CONFIG_EMAIL_CHANNEL = "{name}: [email] の default_channel は {allowed} のどれかにしてください（いまは {value!r}）"
CONFIG_EMAIL_NOT_ASCII = (
    "{name}: [email] の {key} のメールアドレスは半角の英数字で書いてください"
    "（全角の文字や日本語のドメインでは送れません）"
)
CONFIG_EMAIL_NUMBER = "{name}: [email] の port は 1〜65535、per_minute と per_day は 0 以上の整数にしてください"
CONFIG_NOT_TRUE_FALSE = "{name}: [{where}] の {key} は true か false にしてください（いまは {value!r}）"
HELP_MAIN = "ATS 更新案内: 会員ごとに理事長の書状と保険の概要を作ります。"
HELP_CHECK = (
    "名簿とテンプレートを点検し、LibreOffice があるか確かめます（何も書きません）。\n\n"
    "問題は「ファイル:行: 列: 内容」で一覧にします。エラーがあれば終了コード 1。"
)
HELP_RUN = (
    "会員ごとの書状と概要を DOCX と PDF で作り、manifest.csv に一覧にします。\n\n"
    "はじめに名簿とテンプレートを点検し、エラーがあれば何も作りません。中断や名簿の修正の後に"
    "もう一度実行すると、変わっていない文書はそのまま使います。"
)
HELP_CONFIG = "年度の設定ファイル（既定: ./mailmerge.toml）。"
HELP_ROSTER = "設定ファイルの名簿の代わりに使う名簿（.xlsx または .csv）。"
HELP_OUT = "出力先フォルダー（既定: 設定ファイルの output、out/{cycle}）。"
HELP_ONLY = "一方の加入状況の会員だけ作ります。"
HELP_LIMIT = "最初の N 会員だけ作ります（試しの実行）。"
HELP_FORCE = "材料が変わっていない文書も、すべて作り直します（ふだんは不要です: 変わった文書だけが作り直されます）。"
HELP_QUIET = "進み具合のバーを出しません。"
HELP_HELP = "この説明を出して終わります。"
HELP_VERSION = "版を出して終わります。"
HELP_REVIEW = (
    "送付前の確認画面をこのパソコンだけで開きます（Ctrl-C で終了）。\n\n"
    "一覧で全会員の書状と概要を見て、会員ごとに承認または保留（メモ付き）を記録します。"
    "表示するアドレス http://127.0.0.1:PORT/?token=… は起動のたびに変わります。"
)
SHORT_HELP_REVIEW = "送付前の確認画面を開きます（このパソコンだけ）。"
HELP_PORT = "使うポート番号（省略時は空いている番号）。"
HELP_NO_BROWSER = "ブラウザを開かない（アドレスだけを表示）。"
