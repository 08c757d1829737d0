"""The roster: the file, its headers, rows, cells and characters, and the fonts."""

from __future__ import annotations

# --- roster ----------------------------------------------------------------------------------
# Placeholders are filled with str.format; {column} is a column letter (J), {row} an Excel row number.

# The file as a whole (one error, no row).
ROSTER_XLS = (
    "古い Excel 形式（.xls）は読めません。Excel で開き、「名前を付けて保存」で"
    "「Excel ブック（.xlsx）」を選んで保存し直してください"
)
ROSTER_SUFFIX = "名簿は Excel ブック（.xlsx）か CSV（.csv）にしてください（拡張子「{suffix}」のファイルは読めません）"
ROSTER_NO_SUFFIX = "なし"
ROSTER_NOT_FOUND = (
    "名簿ファイルが見つかりません。ファイル名と場所、mailmerge.toml の [roster] path"
    "（または --roster で指定した名前）を確認してください"
)
ROSTER_IS_FOLDER = "名簿ファイルではなくフォルダーです。名簿ファイルの名前まで指定してください"
ROSTER_CANNOT_OPEN = "名簿ファイルを開けません（{reason}）。ファイルの権限を確認してください"
ROSTER_TOO_MANY_ROWS = (
    "名簿の内容のある行が {limit:,} 行を超えています（{row:,} 行目まで読みました）。"
    "名簿のシートか範囲が正しいか確認してください（会員は 1 行に 1 件）"
)
ROSTER_TOO_MANY_CELLS = (
    "名簿の値のあるセルが {limit:,} 個を超えています（{row:,} 行目まで読みました）。"
    "名簿に要らない列や範囲が含まれていないか確認してください"
)
ROSTER_TOO_BIG = (
    "名簿ファイルが大きすぎます（{size} MB、上限 {limit} MB）。名簿のシートだけを"
    "新しいブックに写して保存し直してください"
)
# CSV
ROSTER_CSV_IS_XLSX = "拡張子は .csv ですが中身は Excel ブックです。拡張子を .xlsx にしてください"
ROSTER_CSV_SYNTAX = (
    'CSV として読めません（{line} 行目付近）。引用符 " の対応を確かめるか、'
    "Excel で開いて CSV として保存し直してください"
)
ROSTER_CSV_RESAVE = "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
ROSTER_CSV_UTF16 = "UTF-16 の CSV（Excel の「Unicode テキスト」）は読めません。" + ROSTER_CSV_RESAVE
ROSTER_CSV_BAD_BOM = (
    "UTF-8 の印（BOM）がありますが、{line} 行目に UTF-8 として読めない文字があります。" + ROSTER_CSV_RESAVE
)
ROSTER_CSV_ENCODING = (
    "文字コードが UTF-8 でも CP932（Shift_JIS）でもないため読めません（UTF-8 としては {utf8_line} 行目、"
    "CP932 としては {cp932_line} 行目に読めない文字）。" + ROSTER_CSV_RESAVE
)
ROSTER_NOTE_UTF8_BOM = "文字コード UTF-8 BOM 付き"
ROSTER_NOTE_UTF8 = "文字コード UTF-8"
ROSTER_NOTE_CP932 = "文字コード CP932 / Shift_JIS"
# .xlsx
ROSTER_XLSX_ENCRYPTED = (
    "パスワードで保護されているか、古い Excel 形式（.xls）のファイルです。"
    "パスワードを解除し、「Excel ブック（.xlsx）」として保存し直してください"
)
ROSTER_XLSX_BROKEN = (
    "Excel ブック（.xlsx）として読めません（壊れているか、別の形式のファイルです）。"
    "Excel で開いて「Excel ブック（.xlsx）」として保存し直してください"
)
ROSTER_XLSX_BOMB = (
    "Excel ブックの中の「{part}」が展開すると {size} MB（圧縮の {ratio:,} 倍）になり、名簿としてありえない大きさのため"
    "読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。名簿を Excel で作り直してください"
)
TEMPLATE_ZIP_BOMB = (
    "{display}: Word 文書の中の「{part}」が展開すると {size} MB（圧縮の {ratio:,} "
    "倍）になり、文面としてありえない大きさのため"
    "読みませんでした（壊れたファイルか、悪意のあるファイルの可能性）。元の文面を Word "
    "で開いて保存し直したものを使ってください"
)
ROSTER_XLSX_TOO_MANY_STRINGS = (
    "Excel ブックの文字列が {limit:,} 個を超えていて、名簿としてありえない量のため読みませんでした。"
    "名簿のシートだけを新しいブックに写して保存し直してください"
)
ROSTER_XLSX_NO_SHEET = (
    "シート「{wanted}」がありません（このブックのシート: {names}）。mailmerge.toml の [roster] sheet を直してください"
)
ROSTER_XLSX_NO_VISIBLE_SHEET = (
    "表示されているシートがありません。名簿のシートを再表示するか、"
    "mailmerge.toml の [roster] sheet にシート名を書いてください"
)
ROSTER_XLSX_MANY_SHEETS = (
    "表示されているシートが複数あり（{names}）、どれが名簿か決められないため読みませんでした。"
    'mailmerge.toml の [roster] に sheet = "シート名" と名簿のシート名を書くか、'
    "名簿以外のシートを削除または非表示にしてください"
)
ROSTER_NOTE_NAMED_SHEET = "mailmerge.toml で指定したシート「{name}」"
ROSTER_NOTE_FIRST_SHEET = "最初の表示シート「{name}」"
# Headers (row 1)
ROSTER_NO_HEADERS = "1 行目に見出しがありません。1 行目に列の見出し（{examples} など）を入れてください"
ROSTER_DOUBLED_HEADER = (
    "同じ見出しの列が {count} つあります（{letters}）。使わない方の列を消すか、見出しを変えてください"
)
ROSTER_MISSING_COLUMN = (
    "列がありません{hint}。1 行目の見出しを「{header}」にするか、mailmerge.toml の [roster.fields] を直してください"
)
ROSTER_CLOSE_HEADER = "（近い見出し: {quoted}）"
ROSTER_COLUMN_LETTER = "{letter} 列"
ROSTER_NO_MEMBERS = "会員の行がありません（2 行目以降が空です）。名簿に会員を入力してください"
# Rows
ROSTER_HIDDEN_SKIPPED = "非表示の行のため読み飛ばしました（mailmerge.toml の skip_hidden_rows = true）"
ROSTER_HIDDEN = (
    "非表示の行です。退会などで送らない会員なら行を削除し、送る会員なら再表示してください"
    "（非表示の行を読み飛ばすには mailmerge.toml の [roster] に skip_hidden_rows = true）"
)
ROSTER_SHIFTED = (
    "見出しより右（{letter} 列）にも値があり、列がずれているようです。"
    '値の中のカンマ（,）は全角の「，」にするか値全体を "" で囲み、'
    "メモの列なら 1 行目に見出しを入れてください"
)
ROSTER_UNHEADED = (
    "見出しのない {letters}に値があります。この値は使われません（使う列なら 1 行目に見出しを入れてください）"
)
# Cells
ROSTER_EMPTY = "空欄です（必須項目）"
ROSTER_TOO_LONG = "{length} 文字あります（上限 {limit} 文字）。宛名欄に収まるよう短くしてください"
ROSTER_LONG_VALUE = "{length} 文字の値"
ROSTER_BAD_GROUP = "{quoted}は使えません（使える値: {allowed}）"
ROSTER_DATE = (
    "日付として保存されています（Excel が番地や番号を日付に変えた可能性があります）。"
    "セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_BOOL = "TRUE/FALSE の値になっています。正しい値を入力してください"
ROSTER_EXCEL_ERROR = "Excel のエラー値「{value}」です。式を直すか、値を入力してください"
ROSTER_FORMULA = "式の計算結果が保存されていません。Excel で開いて保存し直すか、値を入力してください"
ROSTER_DECIMAL = (
    "小数の数値として保存されています。表示どおりに印刷されるか確認し、"
    "セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_ID_AS_NUMBER = (
    "数値として保存されています（{quoted}と読みました）。先頭の 0 が消えていないか"
    "確認し、セルの表示形式を「文字列」にして入力し直してください"
)
ROSTER_POSTAL_AS_NUMBER_SHORT = (
    "数値として保存され、先頭の 0 が消えています（{digits} 桁）。"
    "セルの表示形式を「文字列」にして 7 桁で入力し直してください"
)
ROSTER_POSTAL_AS_NUMBER = "数値として保存されています。セルの表示形式を「文字列」にして入力し直してください"
ROSTER_ID_RULE = "。会員番号は出力フォルダー名になるため、半角英数字・ハイフン・下線の 32 文字までにしてください"
ROSTER_ID_WIDE = "会員番号に全角の文字（漢字・かななど）があります" + ROSTER_ID_RULE
ROSTER_ID_TOO_LONG = "会員番号が {length} 文字あります" + ROSTER_ID_RULE
ROSTER_ID_BAD_CHARACTER = "会員番号{quoted}に使えない文字があります" + ROSTER_ID_RULE
ROSTER_ID_RESERVED = (
    "会員番号{quoted}は Windows が機器の名前として使うため、フォルダー名にできません"
    "（CON・PRN・AUX・NUL・COM1～9・LPT1～9 は大文字・小文字とも使えません）。別の番号にしてください"
)
ROSTER_POSTAL_SIX_DIGITS = "6 桁しかありません。先頭の 0 が消えていないか確認し、7 桁で入力してください（例: 060-0001）"
ROSTER_POSTAL_SHAPE = "郵便番号の形になっていません。7 桁の数字で入力してください（例: 103-0027 または 1030027）"
ROSTER_POSTAL_UNKNOWN = "日本郵便のデータにない郵便番号です。番号を確認してください"
ROSTER_POSTAL_PREFECTURE = (
    "{prefectures}の郵便番号ですが、{address_header} の都道府県と違います。郵便番号か住所を確認してください"
)
ROSTER_DUPLICATE = (
    "会員番号{quoted}が {others}と重複しています{aside}。どの行が正しいか確かめ、番号を直すか行を消してください"
)
ROSTER_DUPLICATE_ROW = "{row} 行目"
ROSTER_DUPLICATE_ROW_AS = "{row} 行目の{quoted}"
ROSTER_DUPLICATE_WIDTH = "（全角・半角、大文字・小文字の違いや前後の空白は同じ番号とみなします）"
# Characters that would print wrong (issue 10): {code} is 「𠮷」(U+20BB7), or U+202E alone for an invisible one.
ROSTER_CHAR_PRIVATE_USE = "外字（{code}、どのフォントにもない文字）があり印刷できません。標準の文字に置き換えてください"
ROSTER_CHAR_CONTROL = (
    "制御文字（{code}）が入っています。印刷できず、文書が壊れる原因になります。"
    "セルの値を入力し直してください（別の場所から貼り付けた値に入りがちです）"
)
ROSTER_CHAR_FORMAT = (
    "目に見えない書式用の文字（{code}、{what}）が入っています。印刷すると文字の順序や"
    "区切りが変わります。セルの値を入力し直してください（Web などから貼り付けた値に入りがちです）"
)
ROSTER_CHAR_BIDI = "文字の向きを変える制御"
ROSTER_CHAR_ZERO_WIDTH = "幅のない文字"
ROSTER_CHAR_OTHER_FORMAT = "書式制御"
ROSTER_CHAR_UNASSIGNED = (
    "Unicode で文字が決められていない番号（{code}）が入っています。印刷できません。セルの値を入力し直してください"
)
ROSTER_CHAR_LINE_BREAK = (
    "セルの中に改行（{code}）があります。宛名や文書では行が崩れて正しく印刷されません。"
    "改行を消して 1 行にしてください（住所が長いときは 住所2 の列に分けてください）"
)
ROSTER_CHAR_COMBINING = (
    "前の文字に重ねる結合文字（{code}）が入っています。文字が変わって印刷されます。"
    "セルの値を入力し直してください（Mac や Web から貼り付けた値に入りがちです）"
)
ROSTER_PAGE_MARK_SHAPE = (
    "「{found}」が各ページの下に印刷する印（会員番号 · 年度 · ページ）と同じ形で、"
    "ほかの会員のページと取り違えるため作成できません。「·」や「/」を別の文字に変えてください"
)
ROSTER_ABBREVIATION = "「{short}」は略した書き方です。宛名には「{full}」と正式に書くことをおすすめします"
ROSTER_CHAR_NO_GLYPH = (
    "{code} はテンプレートのフォント（{fonts}）にない文字で、正しく印刷されません"
    "（絵文字や一部の記号・異体字など）。ふつうの文字に置き換えてください"
)
# Fonts the templates name (issue 10 item 5: check is the pre-flight of run).
ROSTER_FONT_MISSING = (
    "テンプレートが使うフォント「{family}」がこのコンピューターにありません（PDF "
    "が別の書体になり、印刷できない文字が出ます）。"
)
ROSTER_FONT_INSTALL = ROSTER_FONT_MISSING + "scripts/install-system.sh を実行してフォント（{package}）を入れてください"
ROSTER_FONT_INSTALL_OR_CHANGE = (
    ROSTER_FONT_MISSING + "そのフォントをインストールするか、Word でテンプレートの書体を"
    "IPAex明朝・IPAexゴシックに戻してください"
)
