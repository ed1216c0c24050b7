"""The strings of reading users' files safely: unexpected failures."""

from __future__ import annotations

from collections.abc import Mapping

HOSTILE: Mapping[str, Mapping[str, str]] = {
    "upload_unexpected": {
        "zh": "无法读取这个文件：出现了意外的错误。请检查文件后重试；"
        "详细信息已记录在服务器日志中，可交给管理员。",
        "en": "This file could not be read: something unexpected went wrong. Check the file "
        "and try again; the details are in the server log for the administrator.",
    },
}
